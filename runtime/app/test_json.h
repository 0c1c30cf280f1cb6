/* JSON for `streamq test`: test files read with positions (errors are
 * `FILE:LINE:COL: error:` diagnostics with a caret, as for pipelines),
 * and the canonical form rows are compared in, where equal JSON values
 * are equal text: members sorted by name, numbers by value (1 == 1.0). */
#ifndef SQ_TEST_JSON_H
#define SQ_TEST_JSON_H

#include <stdbool.h>

#include "engine/buf.h"
#include "engine/json.h"
#include "runtime/app/pipeline_file.h"

/* A JSON document read from a file. */
typedef struct sq_test_doc {
  sq_pipeline_file_t file;
  sq_diag_t *diag;
  sq_json_t json;
  sq_arena_t arena; /* unescaped strings */
} sq_test_doc_t;

/* Reads and tokenizes `path`; false when it is unreadable or not JSON
 * (the reason recorded as a diagnostic, or printed when the file cannot
 * be read). Free with sq_test_doc_free in every case. */
bool sq_test_doc_read(sq_test_doc_t *d, const char *path);
void sq_test_doc_free(sq_test_doc_t *d);
/* Records an error at token `tok` (-1: the start of the file). */
void sq_test_doc_error(sq_test_doc_t *d, int tok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The value token of member `key` of object token `obj`, or -1. */
int sq_test_doc_member(const sq_test_doc_t *d, int obj, const char *key);
/* String token `tok` unescaped, valid while the document lives; NULL on a
 * bad escape or when memory runs out. */
const char *sq_test_doc_string(sq_test_doc_t *d, int tok);
/* Whether token `tok` is a primitive spelled `word` (true, false, null). */
bool sq_test_doc_is(const sq_test_doc_t *d, int tok, const char *word);
/* An integer token's value; false when it is not an integer. */
bool sq_test_doc_int(const sq_test_doc_t *d, int tok, int64_t *out);
/* The text of token `tok` as written (strings with their quotes). */
const char *sq_test_doc_text(const sq_test_doc_t *d, int tok, size_t *len);

/* Appends the canonical form of value token `i` of `j` over `text`;
 * false on a bad string escape. `arena` holds scratch space. */
bool sq_json_canonical(const char *text, const sq_json_t *j, int i, sq_buf_t *out, sq_arena_t *arena);
/* The canonical form of the JSON text `text` (malloc'd), or NULL when it
 * is not JSON. */
char *sq_json_canonical_text(const char *text, size_t len);

#endif
