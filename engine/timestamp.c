/* ISO-8601 timestamp parsing and calendar arithmetic without libc time
 * zones (timegm is not C11 and mktime reads TZ): civil dates to days and
 * back by Howard Hinnant's formulas. */
#include "engine/timestamp.h"

int64_t sq_days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  unsigned yoe = (unsigned)(y - era * 400);
  unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int64_t)doe - 719468;
}

void sq_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned doe = (unsigned)(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

/* Reads exactly `n` digits at *p. */
static bool digits(const char **p, const char *end, int n, int *out) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (*p >= end || **p < '0' || **p > '9') return false;
    v = v * 10 + (*(*p)++ - '0');
  }
  *out = v;
  return true;
}

static bool expect(const char **p, const char *end, char c) {
  if (*p >= end || **p != c) return false;
  (*p)++;
  return true;
}

bool sq_timestamp_parse(const char *text, size_t len, int64_t *ms) {
  const char *p = text, *end = text + len;
  int y, mo, d, h = 0, mi = 0, s = 0, frac = 0;
  if (!digits(&p, end, 4, &y) || !expect(&p, end, '-') || !digits(&p, end, 2, &mo) ||
      !expect(&p, end, '-') || !digits(&p, end, 2, &d))
    return false;
  static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] + (mo == 2 && is_leap(y))) return false;
  if (p < end && (*p == 'T' || *p == ' ')) {
    p++;
    if (!digits(&p, end, 2, &h) || !expect(&p, end, ':') || !digits(&p, end, 2, &mi)) return false;
    if (p < end && *p == ':') {
      p++;
      if (!digits(&p, end, 2, &s)) return false;
      if (p < end && *p == '.') {
        p++;
        int scale = 100, n = 0;
        for (; p < end && *p >= '0' && *p <= '9'; p++, n++) {
          frac += (*p - '0') * scale; /* digits past milliseconds are truncated */
          scale /= 10;
        }
        if (n == 0) return false;
      }
    }
    if (h > 23 || mi > 59 || s > 59) return false;
  }
  int64_t offset_min = 0;
  if (p < end && *p == 'Z') {
    p++;
  } else if (p < end && (*p == '+' || *p == '-')) {
    int sign = *p++ == '-' ? -1 : 1, oh, om = 0;
    if (!digits(&p, end, 2, &oh)) return false;
    if (p < end && *p == ':') p++;
    if (p < end && !digits(&p, end, 2, &om)) return false;
    if (oh > 23 || om > 59) return false;
    offset_min = sign * (oh * 60 + om);
  }
  if (p != end) return false;
  int64_t secs = sq_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + s - offset_min * 60;
  *ms = secs * 1000 + frac;
  return true;
}
