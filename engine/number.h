/* Numbers and text: parsing from text that is not NUL-terminated (JSON
 * tokens, CSV fields, strings being CAST) without copying, and writing
 * them for output. */
#ifndef SQ_NUMBER_H
#define SQ_NUMBER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An optionally signed decimal integer that fits in 64 bits, and nothing
 * else; false otherwise. */
bool sq_parse_int(const char *p, size_t len, int64_t *out);
/* A finite decimal number (sign, fraction, exponent), and nothing else. */
bool sq_parse_double(const char *p, size_t len, double *out);

/* Writes v in decimal (at most 20 bytes, no NUL); returns its length. */
int sq_format_int(int64_t v, char *buf);
/* Writes the shortest text that reads back as `d` (at most 24 bytes, no
 * NUL), laid out as printf's %g at 15 digits or the 16 or 17 it needs;
 * returns its length. */
int sq_format_double(double d, char *buf);

#endif
