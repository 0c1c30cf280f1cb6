/* Scalar functions, CAST, LIKE and EXTRACT. Results that are new strings
 * live in the evaluation arena. A function of NULL is NULL unless it is
 * about NULLs (COALESCE, NULLIF, CONCAT skips them, as in PostgreSQL). A
 * conversion that fails (CAST('x' AS BIGINT)) is NULL, not an error: one
 * bad field must not stop a pipeline. */
#include "engine/scalar.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <wchar.h>
#include <wctype.h>

#include "engine/functions.h"
#include "engine/json.h"
#include "engine/number.h"
#include "engine/timestamp.h"

static sq_value_t arena_str(sq_arena_t *a, const char *p, size_t len) {
  char *dst = sq_arena_alloc(a, len + 1);
  if (!dst) return sq_null();
  memcpy(dst, p, len);
  return sq_str(dst, (uint32_t)len);
}

/* Broken-down UTC time of epoch milliseconds. */
static void to_tm(int64_t ms, struct tm *tm, int *millis) {
  int64_t secs = sq_floor_div(ms, 1000), days = sq_floor_div(secs, 86400);
  int64_t rem = secs - days * 86400;
  int64_t y;
  unsigned m, d;
  sq_civil_from_days(days, &y, &m, &d);
  memset(tm, 0, sizeof *tm);
  tm->tm_year = (int)(y - 1900);
  tm->tm_mon = (int)m - 1;
  tm->tm_mday = (int)d;
  tm->tm_hour = (int)(rem / 3600);
  tm->tm_min = (int)(rem / 60 % 60);
  tm->tm_sec = (int)(rem % 60);
  tm->tm_wday = (int)((days % 7 + 11) % 7); /* 1970-01-01 was a Thursday */
  static const int cum[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  tm->tm_yday = cum[m - 1] + (int)d - 1 + (leap && m > 2);
  *millis = (int)(ms % 1000 + (ms % 1000 < 0 ? 1000 : 0)); /* not ms - secs * 1000: that overflows near INT64_MIN */
}

int sq_format_timestamp(int64_t ms, char *buf, size_t size) {
  struct tm tm;
  int millis;
  to_tm(ms, &tm, &millis);
  return snprintf(buf, size, "%04d-%02d-%02d %02d:%02d:%02d.%03d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
}

/* [p, p+len) without surrounding white space. */
static void trim(const char **p, uint32_t *len) {
  while (*len && isspace((unsigned char)**p)) (*p)++, (*len)--;
  while (*len && isspace((unsigned char)(*p)[*len - 1])) (*len)--;
}

static sq_value_t cast_from_string(sq_value_t v, sq_type_t to) {
  int64_t i;
  double d;
  const char *p = v.u.s.p;
  uint32_t len = v.u.s.len;
  trim(&p, &len);
  switch (to) {
  case SQ_TYPE_BIGINT: return sq_parse_int(p, len, &i) ? sq_int(i) : sq_null();
  case SQ_TYPE_DOUBLE: return sq_parse_double(p, len, &d) ? sq_double(d) : sq_null();
  case SQ_TYPE_TIMESTAMP: return sq_timestamp_parse(v.u.s.p, v.u.s.len, &i) ? sq_ts(i) : sq_null();
  case SQ_TYPE_BOOLEAN:
    if ((v.u.s.len == 4 && strncasecmp(v.u.s.p, "true", 4) == 0) || (v.u.s.len == 1 && v.u.s.p[0] == '1')) return sq_bool(true);
    if ((v.u.s.len == 5 && strncasecmp(v.u.s.p, "false", 5) == 0) || (v.u.s.len == 1 && v.u.s.p[0] == '0')) return sq_bool(false);
    return sq_null();
  default: return v;
  }
}

sq_value_t sq_cast(sq_value_t v, sq_type_t to, sq_arena_t *arena) {
  if (sq_is_null(v) || v.type == to) return v;
  if (v.type == SQ_TYPE_STRING) return cast_from_string(v, to);
  char buf[64];
  int n;
  switch (to) {
  case SQ_TYPE_STRING:
    switch (v.type) {
    case SQ_TYPE_BOOLEAN: return sq_str(v.u.b ? "true" : "false", v.u.b ? 4 : 5);
    case SQ_TYPE_BIGINT: n = sq_format_int(v.u.i, buf); break;
    case SQ_TYPE_DOUBLE: n = sq_format_double(v.u.d, buf); break;
    default: n = sq_format_timestamp(v.u.i, buf, sizeof buf); break;
    }
    return arena_str(arena, buf, (size_t)n);
  case SQ_TYPE_BIGINT:
    if (v.type == SQ_TYPE_BOOLEAN) return sq_int(v.u.b);
    if (v.type == SQ_TYPE_DOUBLE) return isfinite(v.u.d) && fabs(v.u.d) < 9.2e18 ? sq_int((int64_t)v.u.d) : sq_null();
    return sq_int(v.u.i);
  case SQ_TYPE_DOUBLE: return sq_double((double)v.u.i);
  case SQ_TYPE_TIMESTAMP:
    if (v.type == SQ_TYPE_DOUBLE) return isfinite(v.u.d) && fabs(v.u.d) < 9.2e18 ? sq_ts((int64_t)v.u.d) : sq_null();
    return sq_ts(v.u.i);
  case SQ_TYPE_BOOLEAN: return sq_bool(v.u.i != 0);
  default: return sq_null();
  }
}

bool sq_like(const char *s, uint32_t slen, const char *p, uint32_t plen) {
  /* Greedy matching with one backtrack point for the last %: linear for
   * patterns with one %, and never exponential. */
  uint32_t si = 0, pi = 0, star_p = UINT32_MAX, star_s = 0;
  while (si < slen) {
    if (pi < plen && (p[pi] == '_' || p[pi] == s[si])) {
      si++;
      pi++;
    } else if (pi < plen && p[pi] == '%') {
      star_p = pi++;
      star_s = si;
    } else if (star_p != UINT32_MAX) {
      pi = star_p + 1;
      si = ++star_s;
    } else {
      return false;
    }
  }
  while (pi < plen && p[pi] == '%') pi++;
  return pi == plen;
}

sq_value_t sq_extract(const char *field, int64_t ms) {
  struct tm tm;
  int millis;
  to_tm(ms, &tm, &millis);
  if (strcasecmp(field, "millisecond") == 0) return sq_int(millis);
  if (strcasecmp(field, "second") == 0) return sq_int(tm.tm_sec);
  if (strcasecmp(field, "minute") == 0) return sq_int(tm.tm_min);
  if (strcasecmp(field, "hour") == 0) return sq_int(tm.tm_hour);
  if (strcasecmp(field, "day") == 0) return sq_int(tm.tm_mday);
  if (strcasecmp(field, "dow") == 0) return sq_int(tm.tm_wday);
  if (strcasecmp(field, "doy") == 0) return sq_int(tm.tm_yday + 1);
  if (strcasecmp(field, "week") == 0) return sq_int(tm.tm_yday / 7 + 1);
  if (strcasecmp(field, "month") == 0) return sq_int(tm.tm_mon + 1);
  if (strcasecmp(field, "year") == 0) return sq_int(tm.tm_year + 1900);
  if (strcasecmp(field, "epoch") == 0) return sq_int(sq_floor_div(ms, 1000));
  return sq_null();
}

/* `unit_start * unit_ms` as a TIMESTAMP, NULL when it is before the
 * earliest one (truncating a time near INT64_MIN goes below it). */
static sq_value_t trunc_ts(int64_t unit_start, int64_t unit_ms) {
  int64_t ms;
  return __builtin_mul_overflow(unit_start, unit_ms, &ms) ? sq_null() : sq_ts(ms);
}

static sq_value_t date_trunc(sq_value_t unit, int64_t ms) {
  static const struct {
    const char *name;
    int64_t ms;
  } fixed[] = {{"millisecond", 1}, {"second", 1000}, {"minute", 60000}, {"hour", 3600000}, {"day", 86400000}};
  for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
    if (unit.u.s.len == strlen(fixed[i].name) && strncasecmp(unit.u.s.p, fixed[i].name, unit.u.s.len) == 0)
      return trunc_ts(sq_floor_div(ms, fixed[i].ms), fixed[i].ms);
  struct tm tm;
  int millis;
  to_tm(ms, &tm, &millis);
  int64_t day = sq_floor_div(ms, 86400000);
  if (strncasecmp(unit.u.s.p, "week", 4) == 0) return trunc_ts(day - (tm.tm_wday + 6) % 7, 86400000); /* Monday */
  if (strncasecmp(unit.u.s.p, "month", 5) == 0) return trunc_ts(sq_days_from_civil(tm.tm_year + 1900, (unsigned)tm.tm_mon + 1, 1), 86400000);
  return trunc_ts(sq_days_from_civil(tm.tm_year + 1900, 1, 1), 86400000);
}

/* Byte offset of the `n`th (0-based) UTF-8 character, clamped to len. */
static uint32_t utf8_offset(const char *s, uint32_t len, int64_t n) {
  uint32_t i = 0;
  while (i < len && n > 0) {
    i++;
    while (i < len && ((unsigned char)s[i] & 0xC0) == 0x80) i++;
    n--;
  }
  return i;
}

static int64_t utf8_length(const char *s, uint32_t len) {
  int64_t n = 0;
  for (uint32_t i = 0; i < len; i++) n += ((unsigned char)s[i] & 0xC0) != 0x80;
  return n;
}

/* The C.UTF-8 locale for case mapping, made once; (locale_t)0 if the
 * system has none (then only ASCII letters change case). It is used
 * through uselocale, which is per thread: the process's locale (strftime,
 * number formatting) stays "C". */
static locale_t utf8_locale;
static pthread_once_t utf8_locale_once = PTHREAD_ONCE_INIT;
static void make_utf8_locale(void) { utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0); }

/* UPPER / LOWER of UTF-8 text, character by character (so 'é' becomes
 * 'É', and 'ß', which has no one-character capital, stays). Bytes that are
 * not UTF-8 are kept as they are. */
static sq_value_t map_case(sq_value_t s, bool upper, sq_arena_t *arena) {
  /* a character's case partner is at most half as long again (U+023F, 2
   * bytes, is U+2C7E, 3 bytes) */
  char *p = sq_arena_alloc(arena, (size_t)s.u.s.len * 2 + 1), *o = p;
  if (!p) return sq_null();
  pthread_once(&utf8_locale_once, make_utf8_locale);
  if (!utf8_locale) {
    for (uint32_t i = 0; i < s.u.s.len; i++) p[i] = (char)(upper ? toupper : tolower)((unsigned char)s.u.s.p[i]);
    return sq_str(p, s.u.s.len);
  }
  locale_t previous = uselocale(utf8_locale);
  mbstate_t in = {0}, out = {0};
  for (uint32_t i = 0; i < s.u.s.len;) {
    unsigned char c = (unsigned char)s.u.s.p[i];
    if (c < 0x80) { /* ASCII: the common case, without the wide functions */
      *o++ = (char)(upper ? toupper(c) : tolower(c));
      i++;
      continue;
    }
    wchar_t wc;
    size_t n = mbrtowc(&wc, s.u.s.p + i, s.u.s.len - i, &in);
    char mb[MB_LEN_MAX];
    size_t m = n == 0 || n > s.u.s.len - i ? (size_t)-1 : wcrtomb(mb, (wchar_t)(upper ? towupper((wint_t)wc) : towlower((wint_t)wc)), &out);
    if (m == (size_t)-1 || m > n * 2) { /* not UTF-8 (or no room): the byte as it is */
      in = out = (mbstate_t){0};
      *o++ = (char)c;
      i++;
      continue;
    }
    memcpy(o, mb, m);
    o += m;
    i += (uint32_t)n;
  }
  uselocale(previous);
  return sq_str(p, (uint32_t)(o - p));
}

static sq_value_t replace(sq_value_t s, sq_value_t from, sq_value_t to, sq_arena_t *arena) {
  if (from.u.s.len == 0) return s;
  size_t count = 0;
  for (uint32_t i = 0; i + from.u.s.len <= s.u.s.len;)
    if (memcmp(s.u.s.p + i, from.u.s.p, from.u.s.len) == 0) count++, i += from.u.s.len;
    else i++;
  size_t len = s.u.s.len + count * to.u.s.len - count * from.u.s.len;
  char *p = sq_arena_alloc(arena, len + 1), *o = p;
  if (!p) return sq_null();
  for (uint32_t i = 0; i < s.u.s.len;) {
    if (i + from.u.s.len <= s.u.s.len && memcmp(s.u.s.p + i, from.u.s.p, from.u.s.len) == 0) {
      memcpy(o, to.u.s.p, to.u.s.len);
      o += to.u.s.len;
      i += from.u.s.len;
    } else {
      *o++ = s.u.s.p[i++];
    }
  }
  return sq_str(p, (uint32_t)len);
}

static sq_value_t split_part(sq_value_t s, sq_value_t sep, int64_t n) {
  if (n < 1 || sep.u.s.len == 0) return n == 1 ? s : sq_null();
  uint32_t start = 0;
  for (uint32_t i = 0; i + sep.u.s.len <= s.u.s.len;) {
    if (memcmp(s.u.s.p + i, sep.u.s.p, sep.u.s.len) == 0) {
      if (--n == 0) return sq_str(s.u.s.p + start, i - start);
      i += sep.u.s.len;
      start = i;
    } else {
      i++;
    }
  }
  return n == 1 ? sq_str(s.u.s.p + start, s.u.s.len - start) : sq_str("", 0);
}

static sq_value_t concat(const sq_value_t *args, uint32_t n, sq_arena_t *arena) {
  sq_value_t text[32];
  size_t len = 0;
  for (uint32_t i = 0; i < n; i++) {
    text[i] = sq_is_null(args[i]) ? sq_str("", 0) : sq_cast(args[i], SQ_TYPE_STRING, arena);
    if (sq_is_null(text[i])) return text[i];
    len += text[i].u.s.len;
  }
  char *p = sq_arena_alloc(arena, len + 1), *o = p;
  if (!p) return sq_null();
  for (uint32_t i = 0; i < n; i++) {
    memcpy(o, text[i].u.s.p, text[i].u.s.len);
    o += text[i].u.s.len;
  }
  return sq_str(p, (uint32_t)len);
}

static sq_value_t format_timestamp(int64_t ms, sq_value_t fmt, sq_arena_t *arena) {
  if (!fmt.u.s.len) return sq_str("", 0);
  char *pattern = sq_arena_alloc(arena, (size_t)fmt.u.s.len + 1);
  if (!pattern) return sq_null();
  memcpy(pattern, fmt.u.s.p, fmt.u.s.len);
  pattern[fmt.u.s.len] = '\0';
  struct tm tm;
  int millis;
  to_tm(ms, &tm, &millis);
  /* strftime says only "did not fit" (0): try larger buffers; no C-locale
   * conversion writes more than 64 bytes per pattern byte */
  for (size_t size = (size_t)fmt.u.s.len * 2 + 64; size <= (size_t)fmt.u.s.len * 64 + 64; size *= 2) {
    char *out = sq_arena_alloc(arena, size);
    if (!out) return sq_null();
    size_t n = strftime(out, size, pattern, &tm);
    if (n) return sq_str(out, (uint32_t)n);
  }
  return sq_str("", 0); /* conversions that all write nothing (%p in some locales) */
}

/* A BIGINT rounded to `digits` decimal places, half away from zero, in
 * exact integer arithmetic; NULL when the result does not fit. */
static sq_value_t round_int(int64_t v, int64_t digits) {
  if (digits >= 0) return sq_int(v);
  if (digits < -18) return sq_int(0); /* |v| < 10^19 / 2 */
  int64_t p = 1;
  for (int64_t i = 0; i < -digits; i++) p *= 10;
  int64_t q = v / p, r = v % p, result;
  if ((r < 0 ? -r : r) >= p - (r < 0 ? -r : r)) q += v < 0 ? -1 : 1; /* 2|r| >= p, without overflow */
  return __builtin_mul_overflow(q, p, &result) ? sq_null() : sq_int(result);
}

static sq_value_t extreme(const sq_value_t *args, uint32_t n, int sign) {
  sq_value_t best = sq_null();
  for (uint32_t i = 0; i < n; i++) {
    if (sq_is_null(args[i])) return sq_null(); /* as in standard SQL */
    if (sq_is_null(best) || sign * sq_value_compare(args[i], best) > 0) best = args[i];
  }
  return best;
}

sq_value_t sq_scalar_call(int id, const sq_value_t *args, uint32_t n, sq_eval_ctx_t *ctx) {
  /* Functions about NULLs first; every other function is NULL on NULL. */
  switch ((sq_fn_t)id) {
  case SQ_FN_COALESCE:
    for (uint32_t i = 0; i < n; i++)
      if (!sq_is_null(args[i])) return args[i];
    return sq_null();
  case SQ_FN_CONCAT: return concat(args, n, ctx->arena);
  case SQ_FN_NULLIF:
    return !sq_is_null(args[0]) && !sq_is_null(args[1]) && sq_value_compare(args[0], args[1]) == 0 ? sq_null() : args[0];
  case SQ_FN_NOW: return sq_ts(ctx->now_ms);
  default: break;
  }
  for (uint32_t i = 0; i < n; i++)
    if (sq_is_null(args[i])) return sq_null();
  sq_value_t a = args[0];
  double r;
  switch ((sq_fn_t)id) {
  case SQ_FN_ABS:
    if (a.type == SQ_TYPE_DOUBLE) return sq_double(fabs(a.u.d));
    return a.u.i == INT64_MIN ? sq_null() : sq_int(llabs(a.u.i));
  case SQ_FN_ROUND: {
    if (a.type != SQ_TYPE_DOUBLE) return round_int(a.u.i, n > 1 ? args[1].u.i : 0);
    double scale = pow(10.0, n > 1 ? (double)args[1].u.i : 0.0);
    return sq_double(round(a.u.d * scale) / scale);
  }
  case SQ_FN_FLOOR: return a.type == SQ_TYPE_DOUBLE ? sq_double(floor(a.u.d)) : a;
  case SQ_FN_CEIL: return a.type == SQ_TYPE_DOUBLE ? sq_double(ceil(a.u.d)) : a;
  case SQ_FN_SQRT: return sq_as_double(a) >= 0 ? sq_double(sqrt(sq_as_double(a))) : sq_null();
  case SQ_FN_POWER:
    r = pow(sq_as_double(a), sq_as_double(args[1]));
    return isfinite(r) ? sq_double(r) : sq_null();
  case SQ_FN_LN: return sq_as_double(a) > 0 ? sq_double(log(sq_as_double(a))) : sq_null();
  case SQ_FN_EXP:
    r = exp(sq_as_double(a));
    return isfinite(r) ? sq_double(r) : sq_null();
  case SQ_FN_LOWER: return map_case(a, false, ctx->arena);
  case SQ_FN_UPPER: return map_case(a, true, ctx->arena);
  case SQ_FN_TRIM: {
    const char *p = a.u.s.p;
    uint32_t len = a.u.s.len;
    trim(&p, &len);
    return sq_str(p, len);
  }
  case SQ_FN_LENGTH: return sq_int(utf8_length(a.u.s.p, a.u.s.len));
  case SQ_FN_SUBSTRING: {
    /* 1-based, in characters; a start before 1 eats into the length */
    int64_t start = args[1].u.i, count = n > 2 ? args[2].u.i : INT64_MAX / 2;
    if (count < 0) return sq_null();
    int64_t first = start < 1 ? 0 : start - 1, end = start < 1 ? start - 1 + count : first + count;
    if (end <= first) return sq_str("", 0);
    uint32_t b0 = utf8_offset(a.u.s.p, a.u.s.len, first), b1 = utf8_offset(a.u.s.p, a.u.s.len, end);
    return sq_str(a.u.s.p + b0, b1 - b0);
  }
  case SQ_FN_REPLACE: return replace(a, args[1], args[2], ctx->arena);
  case SQ_FN_SPLIT_PART: return split_part(a, args[1], args[2].u.i);
  case SQ_FN_JSON_VALUE: return sq_json_path_value(a, args[1], ctx->arena);
  case SQ_FN_GREATEST: return extreme(args, n, 1);
  case SQ_FN_LEAST: return extreme(args, n, -1);
  case SQ_FN_DATE_TRUNC: return date_trunc(a, args[1].u.i);
  case SQ_FN_FORMAT_TIMESTAMP: return format_timestamp(a.u.i, args[1], ctx->arena);
  case SQ_FN_TO_TIMESTAMP: return a.type == SQ_TYPE_STRING ? sq_cast(a, SQ_TYPE_TIMESTAMP, ctx->arena) : sq_ts(a.u.i);
  default: return sq_null(); /* aggregates are not evaluated here */
  }
}
