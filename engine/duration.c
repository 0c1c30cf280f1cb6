/* Parsing of option-string durations: an integer, optional spaces, and a
 * unit in long (seconds), singular (second) or short (s) form. */
#include "engine/duration.h"

#include <ctype.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

bool sq_duration_parse(const char *text, int64_t *ms) {
  static const struct {
    const char *unit;
    int64_t ms;
  } units[] = {
      {"ms", 1}, {"millisecond", 1}, {"milliseconds", 1},
      {"s", 1000}, {"sec", 1000}, {"secs", 1000}, {"second", 1000}, {"seconds", 1000},
      {"m", 60000}, {"min", 60000}, {"mins", 60000}, {"minute", 60000}, {"minutes", 60000},
      {"h", 3600000}, {"hour", 3600000}, {"hours", 3600000},
      {"d", 86400000}, {"day", 86400000}, {"days", 86400000},
  };
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
  for (size_t i = 0; i < sizeof units / sizeof *units; i++)
    if (strlen(units[i].unit) == unit_len && strncasecmp(units[i].unit, unit, unit_len) == 0)
      return !__builtin_mul_overflow(count, units[i].ms, ms);
  return false;
}
