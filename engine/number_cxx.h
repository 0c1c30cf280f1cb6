/* The C++ number library behind engine/number.c, as a C call: dragonbox
 * finds a double's shortest round-trip digits. Only number.c includes
 * this. */
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

#ifdef __cplusplus
}
#endif

#endif
