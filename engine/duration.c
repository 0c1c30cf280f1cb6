/* Parsing of option-string durations: an integer, optional spaces, and a
 * unit in long (seconds), singular (second) or short (s) form
 * (grammar/time_unit.c). */
#include "engine/duration.h"

#include <ctype.h>
#include <stddef.h>

#include "grammar/time_unit.h"

bool sq_duration_parse(const char *text, int64_t *ms) {
  const char *p = text;
  while (isspace((unsigned char)*p)) p++;
  if (!isdigit((unsigned char)*p)) return false;
  int64_t count = 0;
  for (; isdigit((unsigned char)*p); p++)
    if (__builtin_mul_overflow(count, 10, &count) || __builtin_add_overflow(count, *p - '0', &count)) return false;
  while (isspace((unsigned char)*p)) p++;
  const char *unit = p;
  while (isalpha((unsigned char)*p)) p++;
  size_t unit_len = (size_t)(p - unit);
  while (isspace((unsigned char)*p)) p++;
  if (*p || unit_len == 0) return false;
  int64_t unit_ms = sq_time_unit_ms(unit, unit_len, false);
  return unit_ms > 0 && !__builtin_mul_overflow(count, unit_ms, ms);
}
