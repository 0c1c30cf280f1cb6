/* What `streamq test` prints: one line per test (PASS/FAIL, its name and
 * time) with a failure's details below it, or with --format junit one
 * JUnit XML document on standard output at the end. */
#ifndef SQ_TEST_REPORT_H
#define SQ_TEST_REPORT_H

#include <stdbool.h>
#include <stdio.h>

typedef struct sq_test_result {
  char *file, *name, *detail; /* owned; detail is "" for a pass */
  double seconds;
  bool passed;
} sq_test_result_t;

typedef struct sq_test_report {
  bool junit;
  FILE *out;
  sq_test_result_t *results;
  size_t n, failed;
} sq_test_report_t;

/* Records one test's result (strings are copied); in text form, prints
 * it at once. False when memory runs out. */
bool sq_test_report_add(sq_test_report_t *r, const char *file, const char *name, double seconds, bool passed, const char *detail);
/* Prints the summary line, or the JUnit document. */
void sq_test_report_finish(sq_test_report_t *r);
void sq_test_report_free(sq_test_report_t *r);

#endif
