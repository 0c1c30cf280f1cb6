/* Reading the runtime settings of a pipeline: the last SET of each wins;
 * analysis checked literal values, this also catches a value that came
 * from the environment. */
#include "runtime/app/run_settings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/settings.h"
#include "runtime/kit/env_subst.h"

const char *sq_run_setting_text(const sq_program_t *prog, const char *key) {
  const char *value = NULL;
  for (size_t i = 0; i < prog->n_settings; i++)
    if (strcmp(prog->settings[i]->name.text, key) == 0) value = prog->settings[i]->text;
  return value;
}

/* The value of setting `key`: its last SET with its ${NAME}s replaced,
 * else its default. */
static bool setting_number(const sq_program_t *prog, const char *key, double *out, char *err, size_t err_size) {
  const sq_setting_spec_t *spec = sq_setting_find(key);
  const char *text = sq_run_setting_text(prog, key);
  char *value = text ? sq_env_substitute(key, text, err, err_size) : NULL;
  if (text && !value) return false;
  *out = spec->fallback;
  bool ok = !value || sq_setting_parse(spec, value, out);
  free(value);
  if (!ok) snprintf(err, err_size, "invalid value for '%s'", key);
  return ok;
}

bool sq_run_settings_load(const sq_program_t *prog, sq_runtime_t *rt, size_t *cache_bytes, char *err, size_t err_size) {
  double interval, bytes, http_bytes, changelog, marks;
  if (!setting_number(prog, "checkpoint.interval", &interval, err, err_size) ||
      !setting_number(prog, "state.cache.bytes", &bytes, err, err_size) ||
      !setting_number(prog, "http.buffer.bytes", &http_bytes, err, err_size) ||
      !setting_number(prog, "checkpoint.warn_share", &rt->checkpoint_warn_share, err, err_size) ||
      !setting_number(prog, "partition.skew.warn_ratio", &rt->skew_warn_ratio, err, err_size) ||
      !setting_number(prog, "scale.changelog", &changelog, err, err_size) ||
      !setting_number(prog, "watermark.interval", &marks, err, err_size))
    return false;
  rt->watermark_interval_ms = (int64_t)marks;
  rt->checkpoint_interval_ms = (int64_t)interval;
  *cache_bytes = (size_t)bytes;
  rt->http_buffer_bytes = (size_t)http_bytes;
  rt->changelog = changelog == 0;
  return true;
}
