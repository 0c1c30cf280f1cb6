/* ${NAME} in option and setting values, replaced by the environment
 * variable NAME when the pipeline starts. Values are never echoed: an
 * error names the variable only. */
#ifndef SQ_ENV_SUBST_H
#define SQ_ENV_SUBST_H

#include <stddef.h>

/* `text` with every ${NAME} replaced, malloc'd; NULL with `err` saying
 * "`what` uses ${NAME}, which is not set" (or out of memory). The form
 * of every reference was checked by analysis. */
char *sq_env_substitute(const char *what, const char *text, char *err, size_t err_size);

#endif
