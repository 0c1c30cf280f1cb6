/* A test file of `streamq test`: one test (a JSON object) or an array of
 * them, each with fixture inputs, expected sink rows and checks, read and
 * checked against the pipeline's catalog. README "Testing pipelines" and
 * docs/LANGUAGE-NOTES.md describe the format. */
#ifndef SQ_TEST_SPEC_H
#define SQ_TEST_SPEC_H

#include <stdint.h>

#include "engine/analyze.h"
#include "runtime/app/test_json.h"

/* One fixture row: the record as the source's decoder reads it, and the
 * Kafka metadata the test set (-1 / false: not set). */
typedef struct sq_test_row {
  const char *text; /* into the test file, the fixture file, or `owned` */
  size_t len;
  char *owned;      /* a CSV line made from an inline object */
  char *place;      /* "FILE:LINE:COL" or "FILE:LINE", for bad records */
  int64_t partition, offset;
  const char *key;  /* NULL: no key */
  size_t key_len;
  bool has_timestamp;
  int64_t timestamp;
} sq_test_row_t;

typedef struct sq_test_input {
  const char *source;      /* in the test document */
  sq_test_row_t *rows;
  size_t n_rows;
  sq_pipeline_file_t file;   /* a fixture file, which rows point into */
  char *header;            /* a CSV fixture file's header line, else NULL */
  bool positional;         /* CSV rows without a header: fields in declared order */
} sq_test_input_t;

typedef struct sq_test_expect {
  const char *sink;        /* in the test document */
  char **rows;             /* each row's canonical JSON */
  size_t n_rows;
  char *path;              /* the JSON-lines file the rows came from, else NULL */
} sq_test_expect_t;

typedef struct sq_test_count {
  const char *source;
  int64_t n;
} sq_test_count_t;

typedef struct sq_test_arrival {
  uint32_t input, row;
} sq_test_arrival_t;

typedef struct sq_test_case {
  const char *name;
  int tok, expect_tok;      /* the test's object and its expect value (-1: none) */
  sq_test_input_t *inputs;
  size_t n_inputs;
  sq_test_expect_t *expects;
  size_t n_expects;
  bool ordered;
  char **sets;              /* "KEY=VALUE" */
  size_t n_sets;
  sq_test_count_t *bad;     /* expect_bad */
  size_t n_bad;
  int64_t late;             /* expect_late, -1: not checked */
  sq_test_arrival_t *interleave; /* NULL: the default order */
  size_t n_interleave;
} sq_test_case_t;

typedef struct sq_test_file {
  sq_test_doc_t doc;
  const char *path;        /* borrowed */
  sq_test_case_t *cases;
  size_t n_cases;
} sq_test_file_t;

/* Reads test file `path` and checks it against `prog` (borrowed): false
 * after printing why (FILE:LINE:COL diagnostics). Free with
 * sq_test_file_free in every case. */
bool sq_test_file_load(sq_test_file_t *f, const char *path, const sq_program_t *prog);
void sq_test_file_free(sq_test_file_t *f);
/* The input of `source` in test `t`, or NULL. */
const sq_test_input_t *sq_test_input(const sq_test_case_t *t, const char *source);

#endif
