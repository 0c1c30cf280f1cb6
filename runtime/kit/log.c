/* The log writer. One fprintf per line so lines from librdkafka's threads
 * never interleave inside one of ours. */
#include "runtime/kit/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "engine/buf.h"
#include "engine/value_text.h"

static atomic_bool json_format;

void sq_log_set_json(bool json) { atomic_store(&json_format, json); }

static void vlog(const char *level, const char *event, const char *fmt, va_list ap) {
  char message[1024];
  vsnprintf(message, sizeof message, fmt, ap);
  if (!atomic_load(&json_format)) {
    fprintf(stderr, "streamq: %s: %s\n", event, message);
    return;
  }
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  struct tm tm;
  gmtime_r(&now.tv_sec, &tm);
  char ts[40];
  size_t n = strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(ts + n, sizeof ts - n, ".%03ldZ", now.tv_nsec / 1000000);
  sq_buf_t line = {0};
  sq_buf_puts(&line, "{\"ts\":\"");
  sq_buf_puts(&line, ts);
  sq_buf_puts(&line, "\",\"level\":\"");
  sq_buf_puts(&line, level);
  sq_buf_puts(&line, "\",\"event\":");
  sq_encode_json_string(&line, event, strlen(event));
  sq_buf_puts(&line, ",\"message\":");
  sq_encode_json_string(&line, message, strlen(message));
  sq_buf_puts(&line, "}\n");
  if (!line.failed) fwrite(line.data, 1, line.len, stderr);
  sq_buf_free(&line);
}

void sq_log(const char *event, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog("info", event, fmt, ap);
  va_end(ap);
}

void sq_log_warn(const char *event, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog("warn", event, fmt, ap);
  va_end(ap);
}
