/* The log writer. One fprintf per line so lines from librdkafka's threads
 * never interleave inside one of ours. */
#include "runtime/log.h"

#include <stdarg.h>
#include <stdio.h>

void sq_log(const char *event, const char *fmt, ...) {
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  fprintf(stderr, "streamq: %s: %s\n", event, line);
}
