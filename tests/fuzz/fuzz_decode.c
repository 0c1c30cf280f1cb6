/* libFuzzer harness for the record decoders. The first byte chooses the
 * set-up (bits 0-1: timestamp_format epoch_ms / epoch_s / iso8601; bit 2:
 * CSV; bits 3-7: columns not read), the rest is one record. JSON: the
 * one-pass path and the tokenizer path must agree (verdict, message,
 * values), a record is accepted only if the strict checker of
 * json_strict.h calls it JSON, and called invalid JSON exactly when it is
 * not; so must a decoder of PATH columns. CSV: a line that is not UTF-8 is
 * refused as such. Whatever is accepted holds UTF-8 strings, and whatever
 * is written as JSON (the decoded row, the raw record) is valid JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/analyze.h"
#include "engine/value_text.h"
#include "grammar/parse.h"
#include "runtime/connectors/registry.h"
#include "json_strict.h"
#include "engine/format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define COLUMNS "s STRING, i BIGINT, d DOUBLE, b BOOLEAN, t TIMESTAMP"
#define N_COLUMNS 5

static const char pipeline[] =
    "CREATE SOURCE flat (" COLUMNS ") WITH (connector = 'file', path = 'x');"
    "CREATE SOURCE tokens (" COLUMNS ", never STRING PATH '$.never') WITH (connector = 'file', path = 'x');"
    "CREATE SOURCE paths (s STRING PATH '$.o.s', i BIGINT PATH '$.a[1]', d DOUBLE PATH '$.o.d', b BOOLEAN PATH '$.b',"
    " t TIMESTAMP PATH '$.o.t[0]') WITH (connector = 'file', path = 'x');";

static void check(bool ok, const char *what, const char *record, size_t len) {
  if (ok) return;
  fprintf(stderr, "%s: %.*s\n", what, (int)len, record);
  abort();
}

static const sq_relation_t *relation(const char *name) {
  /* kept for the whole run, reachable from here */
  static sq_sql_t *src;
  static sq_diag_t *diag;
  static sq_ast_t *script;
  static sq_program_t *prog;
  if (!prog) {
    src = sq_sql_new("fuzz.sql", pipeline, strlen(pipeline));
    diag = sq_diag_new(src);
    script = sq_parse(src, diag);
    prog = sq_analyze(script, sq_connectors(), diag);
    if (!prog || sq_diag_count(diag) > 0) abort();
  }
  return sq_catalog_find(prog->catalog, name);
}

typedef struct outcome {
  bool ok;
  char err[256];
  sq_value_t row[16];
} outcome_t;

static void decode(sq_decoder_t *d, const char *text, size_t len, sq_arena_t *arena, outcome_t *o) {
  for (int c = 0; c < 16; c++) o->row[c] = sq_null();
  o->err[0] = '\0';
  o->ok = sq_decode(d, text, len, o->row, arena, o->err, sizeof o->err);
}

/* An accepted row: its strings are UTF-8, and its JSON encoding is JSON. */
static void check_row(const sq_relation_t *rel, const outcome_t *o, const char *text, size_t len) {
  for (int c = 0; c < N_COLUMNS; c++)
    if (o->row[c].type == SQ_TYPE_STRING)
      check(utf8_strict_valid(o->row[c].u.s.p, o->row[c].u.s.len), "a decoded string is not UTF-8", text, len);
  sq_buf_t out = {0};
  sq_json_keys_t keys = {0};
  sq_encode_json(&out, &keys, rel, o->row);
  check(!out.failed && json_strict_valid(out.data, out.len), "the row's JSON is not JSON", text, len);
  sq_json_keys_free(&keys);
  sq_buf_free(&out);
}

static void fuzz_json(sq_ts_format_t ts, const bool *read, const char *text, size_t len, sq_arena_t *arena) {
  bool valid = json_strict_valid(text, len);
  static outcome_t flat, tokens, paths;
  sq_decoder_t *d_flat = sq_decoder_new(relation("flat"), SQ_FORMAT_JSON, ts, read);
  sq_decoder_t *d_tokens = sq_decoder_new(relation("tokens"), SQ_FORMAT_JSON, ts, read);
  sq_decoder_t *d_paths = sq_decoder_new(relation("paths"), SQ_FORMAT_JSON, ts, read);
  if (!d_flat || !d_tokens || !d_paths) abort();
  decode(d_flat, text, len, arena, &flat);
  decode(d_tokens, text, len, arena, &tokens);
  decode(d_paths, text, len, arena, &paths);
  check(flat.ok == tokens.ok, "accepted by one path only", text, len);
  check(flat.ok || strcmp(flat.err, tokens.err) == 0, "the paths' messages differ", text, len);
  for (int c = 0; flat.ok && c < N_COLUMNS; c++) {
    sq_value_t a = flat.row[c], b = tokens.row[c];
    check(a.type == b.type && (sq_is_null(a) || sq_value_same(a, b)), "the paths' values differ", text, len);
    check(read[c] || sq_is_null(a), "a column not read was decoded", text, len);
  }
  const outcome_t *all[] = {&flat, &paths};
  for (int k = 0; k < 2; k++) {
    bool called_invalid = strncmp(all[k]->err, "invalid JSON at byte ", 21) == 0;
    check(!all[k]->ok || valid, "not JSON, yet accepted", text, len);
    check(called_invalid == !valid, valid ? "JSON, yet called invalid" : "not JSON, yet not called invalid JSON", text, len);
  }
  if (flat.ok) check_row(relation("flat"), &flat, text, len);
  if (paths.ok) check_row(relation("paths"), &paths, text, len);
  sq_decoder_destroy(d_flat);
  sq_decoder_destroy(d_tokens);
  sq_decoder_destroy(d_paths);
}

/* CSV with a header line (the record's first line) and positional. */
static void fuzz_csv(sq_ts_format_t ts, const bool *read, const char *text, size_t len, sq_arena_t *arena) {
  static outcome_t o;
  const char *nl = memchr(text, '\n', len);
  size_t header_len = nl ? (size_t)(nl - text) : len;
  for (int positional = 0; positional < 2; positional++) {
    sq_decoder_t *d = sq_decoder_new(relation("flat"), SQ_FORMAT_CSV, ts, read);
    const char *line = positional ? text : nl ? nl + 1 : text + len;
    size_t line_len = (size_t)(text + len - line);
    bool ready = d && (positional ? sq_decoder_positional(d) : sq_decoder_header(d, text, header_len, o.err, sizeof o.err));
    if (ready) {
      decode(d, line, line_len, arena, &o);
      bool utf8 = utf8_strict_valid(line, line_len);
      check(utf8 || (!o.ok && strncmp(o.err, "invalid UTF-8 at byte ", 22) == 0), "CSV that is not UTF-8 not refused as such", text, len);
      if (o.ok) check_row(relation("flat"), &o, text, len);
    }
    sq_decoder_destroy(d);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  static const sq_ts_format_t formats[] = {SQ_TS_EPOCH_MS, SQ_TS_EPOCH_S, SQ_TS_ISO8601, SQ_TS_EPOCH_MS};
  sq_ts_format_t ts = formats[data[0] & 3];
  bool read[8] = {[5] = true}; /* the tokens source's PATH column is always read: it keeps that decoder off the one-pass path */
  for (int c = 0; c < N_COLUMNS; c++) read[c] = !(data[0] >> (3 + c) & 1);
  const char *text = (const char *)data + 1;
  size_t len = size - 1;
  sq_arena_t arena = {0};
  if (data[0] & 4) fuzz_csv(ts, read, text, len, &arena);
  else fuzz_json(ts, read, text, len, &arena);
  /* any bytes written as a JSON string make a JSON string */
  sq_buf_t out = {0};
  sq_encode_json_string(&out, text, len);
  check(!out.failed && json_strict_valid(out.data, out.len), "an encoded string is not JSON", text, len);
  sq_buf_free(&out);
  sq_arena_free(&arena);
  return 0;
}
