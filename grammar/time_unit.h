/* Time units, in one table for every place a duration is written: SQL's
 * `10 SECONDS` and INTERVAL '10' SECOND (the long forms, which are
 * keywords), and option strings like '2s' or '500 ms' (every form). */
#ifndef SQ_TIME_UNIT_H
#define SQ_TIME_UNIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Milliseconds in the unit spelled by the `len` bytes at `text` (any
 * case), or 0 when it is none. `keywords_only`: only the long forms that
 * SQL text may use as words (MILLISECOND(S), SECOND(S), ..., DAY(S)). */
int64_t sq_time_unit_ms(const char *text, size_t len, bool keywords_only);

#endif
