/* JSON reading: a strict tokenizer (RFC 8259: anything else is refused,
 * with where and why) into a reusable token buffer, skipping subtrees,
 * following '$.a.b[0]' paths, and turning a token into a value; and the
 * scanners of strings and scalars it is built on, which the record
 * decoder's one-pass path shares. Used by the decoder and JSON_VALUE. */
#ifndef SQ_JSON_H
#define SQ_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/arena.h"
#include "engine/value.h"

typedef enum sq_json_kind { SQ_JSON_OBJECT = 1, SQ_JSON_ARRAY, SQ_JSON_STRING, SQ_JSON_PRIMITIVE } sq_json_kind_t;

typedef struct sq_json_token {
  sq_json_kind_t kind;
  int start, end; /* byte range; for strings, without the quotes */
  int size;       /* children: members of an object, items of an array */
} sq_json_token_t;

/* Where text stops being JSON and why (`at` NULL: memory ran out). */
typedef struct sq_json_fault {
  const char *at;
  const char *what; /* static text */
} sq_json_fault_t;

/* A token buffer that grows to the largest document seen. */
typedef struct sq_json {
  sq_json_token_t *tokens;
  int n, cap;
  const char *error; /* why the last parse failed (static text) */
  long error_at;     /* at which byte offset; -1: memory ran out */
} sq_json_t;

/* Tokenizes `text`; false if it is not JSON text or memory ran out. A
 * document is one value, any nesting depth; its objects keep duplicate
 * names (readers take the last). */
bool sq_json_parse(sq_json_t *j, const char *text, size_t len);
/* Why the last sq_json_parse failed: "invalid JSON at byte N: ..." (N
 * counted from 1) or "out of memory". */
void sq_json_error(const sq_json_t *j, char *buf, size_t size);
/* The closing quote of a string whose contents start at p, or NULL with
 * *fault when it is not a JSON string (a raw control character, a bad
 * escape, a lone surrogate escape, invalid UTF-8, no closing quote).
 * Sets *escaped when it has escapes (else leaves it). */
const char *sq_json_string_end(const char *p, const char *end, bool *escaped, sq_json_fault_t *fault);
/* The end of the number, true, false or null at p (followed by the end,
 * white space or , ] }), or NULL with *fault. */
const char *sq_json_scalar_end(const char *p, const char *end, sq_json_fault_t *fault);
void sq_json_free(sq_json_t *j);
/* The index just past token i's subtree. */
int sq_json_skip(const sq_json_t *j, int i);
/* The token at a '$'-rooted path below token `root`, or -1. */
int sq_json_find(const sq_json_t *j, const char *text, int root, const char *path, size_t path_len);
/* Whether string token i has escapes (and so must be copied to be read). */
bool sq_json_has_escapes(const sq_json_t *j, const char *text, int i);
/* String token i unescaped into the arena (UTF-8); NULL when memory runs
 * out. */
sq_value_t sq_json_string(const sq_json_t *j, const char *text, int i, sq_arena_t *arena);
/* JSON_VALUE(doc, path): the scalar at path as a STRING, else NULL. */
sq_value_t sq_json_path_value(sq_value_t doc, sq_value_t path, sq_arena_t *arena);

#endif
