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

#endif
