/* TIMESTAMP values: milliseconds since the Unix epoch, UTC. */
#ifndef SQ_TIMESTAMP_H
#define SQ_TIMESTAMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Parses ISO-8601 text of `len` bytes: 'YYYY-MM-DD', optionally followed by
 * 'T' or ' ' and 'HH:MM[:SS[.fff]]', optionally 'Z' or '+HH:MM'/'-HH:MM'.
 * False if the text is not such a timestamp or names an impossible date. */
bool sq_timestamp_parse(const char *text, size_t len, int64_t *ms);

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int64_t sq_days_from_civil(int64_t y, unsigned m, unsigned d);
void sq_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);
/* a / b rounded towards negative infinity (b > 0): times before 1970 too. */
static inline int64_t sq_floor_div(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

#endif
