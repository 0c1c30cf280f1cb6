/* The C++ number libraries behind engine/number.c, as two C calls:
 * dragonbox finds a double's shortest round-trip digits, fast_float reads
 * decimal text with correct rounding. Only number.c includes this. */
#ifndef SQ_NUMBER_CXX_H
#define SQ_NUMBER_CXX_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A finite, nonzero d as |d| = significand * 10^exponent with the fewest
 * significand digits that read back as d (no trailing zeros); returns
 * whether d is negative. */
bool sq_double_shortest(double d, uint64_t *significand, int *exponent);
/* The longest decimal number at the start of [p, end) (optional '-',
 * digits, fraction, exponent; also "inf"/"nan"), correctly rounded; where
 * it stops, or p when there is none. */
const char *sq_double_read(const char *p, const char *end, double *out);

#ifdef __cplusplus
}
#endif

#endif
