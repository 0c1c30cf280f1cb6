/* Durations written in WITH options: '500 ms', '2 seconds', '2s', '1m',
 * '1h', '1 day' (LANGUAGE.md §2). */
#ifndef SQ_DURATION_H
#define SQ_DURATION_H

#include <stdbool.h>
#include <stdint.h>

/* Parses `text` into milliseconds; false if it is not a duration or does
 * not fit in 64 bits. */
bool sq_duration_parse(const char *text, int64_t *ms);

#endif
