/* The time unit table. */
#include "grammar/time_unit.h"

#include <strings.h>

static const struct {
  const char *name;
  int64_t ms;
  bool keyword; /* a word of SQL text, not only of option strings */
} units[] = {
    {"millisecond", 1, true}, {"milliseconds", 1, true}, {"ms", 1, false},
    {"second", 1000, true}, {"seconds", 1000, true}, {"s", 1000, false}, {"sec", 1000, false}, {"secs", 1000, false},
    {"minute", 60000, true}, {"minutes", 60000, true}, {"m", 60000, false}, {"min", 60000, false}, {"mins", 60000, false},
    {"hour", 3600000, true}, {"hours", 3600000, true}, {"h", 3600000, false},
    {"day", 86400000, true}, {"days", 86400000, true}, {"d", 86400000, false},
};

int64_t sq_time_unit_ms(const char *text, size_t len, bool keywords_only) {
  for (size_t i = 0; i < sizeof units / sizeof *units; i++) {
    if (keywords_only && !units[i].keyword) continue;
    size_t n = 0;
    while (units[i].name[n]) n++;
    if (n == len && strncasecmp(units[i].name, text, len) == 0) return units[i].ms;
  }
  return 0;
}
