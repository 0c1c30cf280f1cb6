/* The retry rules of the http sink. */
#include "runtime/connectors/http/retry.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

sq_http_outcome_t sq_http_outcome(long status) {
  if (status >= 200 && status < 300) return SQ_HTTP_DELIVERED;
  if (status == 0 || status == 408 || status == 429 || (status >= 500 && status != 501)) return SQ_HTTP_RETRY;
  return SQ_HTTP_REJECTED;
}

int64_t sq_http_backoff_ms(int attempt, uint64_t random) {
  int64_t ceiling = SQ_HTTP_BACKOFF_FIRST_MS;
  for (int i = 1; i < attempt && ceiling < SQ_HTTP_BACKOFF_CAP_MS; i++) ceiling *= 2;
  if (ceiling > SQ_HTTP_BACKOFF_CAP_MS) ceiling = SQ_HTTP_BACKOFF_CAP_MS;
  return (int64_t)(random % (uint64_t)(ceiling + 1));
}

bool sq_http_retry_after_ms(const char *value, int64_t now_s, int64_t *ms) {
  while (isspace((unsigned char)*value)) value++;
  if (isdigit((unsigned char)*value)) {
    char *end;
    long long seconds = strtoll(value, &end, 10);
    while (isspace((unsigned char)*end)) end++;
    if (*end || seconds < 0 || seconds > INT64_MAX / 1000) return false;
    *ms = seconds * 1000;
    return true;
  }
  time_t at = curl_getdate(value, NULL);
  if (at < 0) return false;
  *ms = at > now_s ? ((int64_t)at - now_s) * 1000 : 0;
  return true;
}
