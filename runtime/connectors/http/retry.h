/* When an http sink tries a request again (ARCHITECTURE.md §5): which
 * outcomes are worth another attempt, how long to wait (capped exponential
 * backoff with full jitter, or what the endpoint asked for in Retry-After). */
#ifndef SQ_HTTP_RETRY_H
#define SQ_HTTP_RETRY_H

#include <stdbool.h>
#include <stdint.h>

#define SQ_HTTP_BACKOFF_FIRST_MS 100
#define SQ_HTTP_BACKOFF_CAP_MS 30000

typedef enum sq_http_outcome {
  SQ_HTTP_DELIVERED, /* 2xx */
  SQ_HTTP_RETRY,     /* no response (connection error, timeout), 408, 429, 5xx but 501 */
  SQ_HTTP_REJECTED,  /* any other status: the endpoint will not take this request */
} sq_http_outcome_t;

/* The outcome of a request answered with `status` (0: no response). */
sq_http_outcome_t sq_http_outcome(long status);

/* The wait before attempt `attempt` + 1 (attempt >= 1 failed ones so
 * far): uniform in [0, min(cap, first * 2^(attempt-1))]; `random` is a
 * uniform 64-bit number. */
int64_t sq_http_backoff_ms(int attempt, uint64_t random);

/* A Retry-After header's value, delta-seconds or an HTTP-date, as a wait
 * in ms from `now_s` (unix seconds); false if it is neither. A date in the
 * past is a wait of 0. */
bool sq_http_retry_after_ms(const char *value, int64_t now_s, int64_t *ms);

#endif
