/* The runtime settings of a pipeline (engine/settings.h): what `run` and
 * `test` read from its SET statements, ${NAME}s replaced, over the
 * defaults. */
#ifndef SQ_RUN_SETTINGS_H
#define SQ_RUN_SETTINGS_H

#include "engine/analyze.h"
#include "runtime/kit/runtime.h"

/* Fills the checkpoint interval, warning thresholds and *cache_bytes
 * from the program's last SET of each (else the default); false with
 * `err` for an unset variable or a value that came out invalid. */
/* The text of the last SET of `key` (as written, before ${NAME}s are
 * replaced), or NULL. */
const char *sq_run_setting_text(const sq_program_t *prog, const char *key);
bool sq_run_settings_load(const sq_program_t *prog, sq_runtime_t *rt, size_t *cache_bytes, char *err, size_t err_size);

#endif
