/* Log lines on standard error, one per event: "streamq: EVENT: details",
 * or with --log-format json one object per line with ts, level, event and
 * message. Never pass a secret (an option value that came from ${ENV}). */
#ifndef SQ_LOG_H
#define SQ_LOG_H

#include <stdbool.h>

void sq_log_set_json(bool json);
void sq_log(const char *event, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same, at level "warn". */
void sq_log_warn(const char *event, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
