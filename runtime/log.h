/* Log lines on standard error, one per event: "streamq: EVENT: details".
 * Never pass a secret (an option value that came from ${ENV}). */
#ifndef SQ_LOG_H
#define SQ_LOG_H

void sq_log(const char *event, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
