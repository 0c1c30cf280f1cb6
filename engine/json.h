/* JSON reading on jsmn: tokenizing a document into a reusable token
 * buffer, skipping subtrees, following '$.a.b[0]' paths, and turning a
 * token into a value. Used by the record decoder and JSON_VALUE. */
#ifndef SQ_JSON_H
#define SQ_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/arena.h"
#include "engine/value.h"

/* Same values and layout as jsmn's tokens, so jsmn fills ours directly. */
typedef enum sq_json_kind { SQ_JSON_OBJECT = 1, SQ_JSON_ARRAY, SQ_JSON_STRING, SQ_JSON_PRIMITIVE } sq_json_kind_t;

typedef struct sq_json_token {
  sq_json_kind_t kind;
  int start, end; /* byte range; for strings, without the quotes */
  int size;       /* children: members of an object, items of an array */
} sq_json_token_t;

/* A token buffer that grows to the largest document seen. */
typedef struct sq_json {
  sq_json_token_t *tokens;
  int n, cap;
} sq_json_t;

/* Tokenizes `text`; false if it is not valid JSON (or memory ran out). */
bool sq_json_parse(sq_json_t *j, const char *text, size_t len);
void sq_json_free(sq_json_t *j);
/* The index just past token i's subtree. */
int sq_json_skip(const sq_json_t *j, int i);
/* The token at a '$'-rooted path below token `root`, or -1. */
int sq_json_find(const sq_json_t *j, const char *text, int root, const char *path, size_t path_len);
/* Whether string token i has escapes (and so must be copied to be read). */
bool sq_json_has_escapes(const sq_json_t *j, const char *text, int i);
/* String token i unescaped into the arena (UTF-8); NULL on bad escapes. */
sq_value_t sq_json_string(const sq_json_t *j, const char *text, int i, sq_arena_t *arena);
/* JSON_VALUE(doc, path): the scalar at path as a STRING, else NULL. */
sq_value_t sq_json_path_value(sq_value_t doc, sq_value_t path, sq_arena_t *arena);

#endif
