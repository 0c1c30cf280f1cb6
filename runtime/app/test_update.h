/* `streamq test --update`: a test file's expectations rewritten from what
 * the pipeline produced, the rest of the file kept as it was, so that the
 * change shows in a diff for review. */
#ifndef SQ_TEST_UPDATE_H
#define SQ_TEST_UPDATE_H

#include "engine/buf.h"
#include "runtime/app/test_spec.h"

/* What one sink produced in one test: JSON objects, one a line. */
typedef struct sq_test_output {
  const char *sink;
  sq_buf_t rows;
} sq_test_output_t;

typedef struct sq_test_outputs {
  sq_test_output_t *sinks; /* every sink of the pipeline */
  size_t n;
  bool ran;                /* the run finished: there is something to write */
} sq_test_outputs_t;

/* Rewrites the expect member of every test of `f` that ran (outputs[i]
 * for f->cases[i]): the sinks it names (all sinks when it had none), with
 * rows in the order produced. Expected rows kept in a JSON-lines file are
 * rewritten in that file. False with `err` when a file cannot be written. */
bool sq_test_update(const sq_test_file_t *f, const sq_test_outputs_t *outputs, char *err, size_t err_size);
void sq_test_outputs_free(sq_test_outputs_t *o);

#endif
