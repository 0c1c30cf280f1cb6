/* The fixture reader of `streamq test`: a source's rows come from the test
 * instead of its connector, in an arrival order shared by all sources
 * (the test's interleave, else each source whole, tables first, in
 * declaration order), so that runs are deterministic. A source without a
 * fixture is empty, except a finite datagen source, which generates as in
 * `run`. */
#ifndef SQ_TEST_FIXTURE_H
#define SQ_TEST_FIXTURE_H

#include "runtime/app/test_spec.h"
#include "runtime/kit/reader.h"
#include "runtime/kit/runtime.h"

typedef struct sq_fixtures {
  const sq_test_case_t *test;   /* borrowed */
  sq_test_arrival_t *order;     /* the test's interleave, or the default order */
  size_t n_order, next;
  bool *opened;                 /* by input: a reader reads it */
  uint64_t *bad;                /* by catalog id: bad records counted, once its reader closed */
  size_t n_relations;
} sq_fixtures_t;

/* Sets up the arrival order of test `t` (borrowed) over `prog`'s
 * relations; false when memory runs out. */
bool sq_fixtures_init(sq_fixtures_t *fx, const sq_test_case_t *t, const sq_program_t *prog);
void sq_fixtures_free(sq_fixtures_t *fx);
/* sq_runtime_t.open_reader for a test run; rt->open_reader_ctx is the
 * sq_fixtures_t. */
sq_reader_t *sq_fixture_reader_open(const sq_runtime_t *rt, const sq_relation_t *rel, const bool *read, char *err, size_t err_size);
/* Bad records counted in source `name` (0 for one no query reads). */
uint64_t sq_fixtures_bad(const sq_fixtures_t *fx, const sq_program_t *prog, const char *name);

#endif
