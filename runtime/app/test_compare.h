/* Comparing a sink's rows with a test's expectation, as JSON values: as
 * multisets, or in order; on a difference, a readable diff. */
#ifndef SQ_TEST_COMPARE_H
#define SQ_TEST_COMPARE_H

#include <stdbool.h>

#include "engine/buf.h"

/* Compares `actual` (JSON objects, one a line) with the canonical
 * `expected` rows of sink `sink`; true when they are equal, else false
 * with the diff appended to `diff`. */
bool sq_test_compare(const char *sink, char *const *expected, size_t n_expected, const sq_buf_t *actual, bool ordered,
                     sq_buf_t *diff);

#endif
