/* Reading a test file. Every name is checked against the pipeline (a
 * source or table in `inputs` and `expect_bad`, a sink in `expect`), every
 * fixture file is read whole, and every expected row is put in canonical
 * form, so that running a test can no longer fail for the test file's
 * sake. Errors are collected per file and printed together. */
#include "runtime/app/test_spec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/settings.h"
#include "engine/suggest.h"
#include "engine/timestamp.h"
#include "engine/value_text.h"
#include "runtime/kit/options.h"

static const char *const test_keys[] = {"name", "inputs", "expect", "ordered", "set", "expect_bad", "expect_late", "interleave"};
#define N_TEST_KEYS (sizeof test_keys / sizeof *test_keys)

/* `path` relative to the directory of `base` (malloc'd; NULL out of memory). */
static char *beside(const char *base, const char *path) {
  const char *slash = strrchr(base, '/');
  size_t dir = path[0] == '/' || !slash ? 0 : (size_t)(slash - base) + 1;
  char *out = malloc(dir + strlen(path) + 1);
  if (!out) return NULL;
  memcpy(out, base, dir);
  strcpy(out + dir, path);
  return out;
}

static void *grow(void *v, size_t n, size_t size) { return sq_array_room(v, n, size); }

/* The relation `name` of one of the given kinds, else an error at `tok`
 * with the closest name of those kinds. */
static const sq_relation_t *find_relation(sq_test_doc_t *d, const sq_program_t *prog, int tok, const char *name, bool sink) {
  const sq_relation_t *rel = sq_catalog_find(prog->catalog, name);
  bool ok = rel && (sink ? rel->kind == SQ_REL_SINK : rel->kind == SQ_REL_SOURCE || rel->kind == SQ_REL_TABLE);
  if (ok) return rel;
  sq_suggest_t s;
  sq_suggest_init(&s, name);
  for (size_t i = 0; i < sq_catalog_count(prog->catalog); i++) {
    const sq_relation_t *r = sq_catalog_at(prog->catalog, i);
    if (sink ? r->kind == SQ_REL_SINK : r->kind == SQ_REL_SOURCE || r->kind == SQ_REL_TABLE) sq_suggest_offer(&s, r->name);
  }
  const char *best = sq_suggest_best(&s);
  sq_test_doc_error(d, tok, "the pipeline has no %s '%s'%s%s%s", sink ? "sink" : "source or table", name,
                    best ? "; did you mean '" : "", best ? best : "", best ? "'?" : "");
  return NULL;
}

/* A place in a fixture: where a bad record came from. */
static char *place_of(const sq_sql_t *src, uint32_t offset, bool column) {
  uint32_t line, col;
  sq_sql_position(src, offset, &line, &col);
  char buf[4400];
  if (column) snprintf(buf, sizeof buf, "%s:%u:%u", sq_sql_name(src), line, col);
  else snprintf(buf, sizeof buf, "%s:%u", sq_sql_name(src), line);
  return strdup(buf);
}

/* The Kafka metadata members of object `obj`: -1, else the token of a
 * bad one with *why. */
static int read_metadata(const char *text, const sq_json_t *j, int obj, sq_test_row_t *row, sq_arena_t *arena, const char **why) {
  for (int k = 0, at = obj + 1; k < j->tokens[obj].size; k++, at = sq_json_skip(j, at + 1)) {
    const sq_json_token_t *key = &j->tokens[at], *v = &j->tokens[at + 1];
    size_t klen = (size_t)(key->end - key->start);
    const char *name = text + key->start, *vt = text + v->start;
    size_t vlen = (size_t)(v->end - v->start);
    char num[32] = "";
    if (v->kind == SQ_JSON_PRIMITIVE && vlen < sizeof num) memcpy(num, vt, vlen), num[vlen] = '\0';
    char *end = NULL;
    long long n = num[0] ? strtoll(num, &end, 10) : -1;
    bool integer = num[0] && end && !*end && n >= 0;
    if (klen == 4 && memcmp(name, "_key", 4) == 0) {
      if (v->kind == SQ_JSON_STRING) {
        sq_value_t s = sq_json_string(j, text, at + 1, arena);
        if (sq_is_null(s)) return *why = "out of memory", at + 1;
        row->key = s.u.s.p, row->key_len = s.u.s.len;
      } else if (v->kind == SQ_JSON_PRIMITIVE && !(vlen == 4 && memcmp(vt, "null", 4) == 0)) {
        row->key = vt, row->key_len = vlen;
      } else if (v->kind != SQ_JSON_PRIMITIVE) {
        return *why = "_key is a string, a number or null", at + 1;
      }
    } else if (klen == 10 && memcmp(name, "_partition", 10) == 0) {
      if (!integer || n > 1 << 20) return *why = "_partition is a partition number (0, 1, ...)", at + 1;
      row->partition = n;
    } else if (klen == 7 && memcmp(name, "_offset", 7) == 0) {
      if (!integer) return *why = "_offset is a non-negative integer", at + 1;
      row->offset = n;
    } else if (klen == 10 && memcmp(name, "_timestamp", 10) == 0) {
      row->has_timestamp = true;
      if (v->kind == SQ_JSON_STRING ? !sq_timestamp_parse(vt, vlen, &row->timestamp) : !(num[0] && end && !*end))
        return *why = "_timestamp is epoch milliseconds or an ISO-8601 text like '2026-01-01T00:00:01Z'", at + 1;
      if (v->kind != SQ_JSON_STRING) row->timestamp = n;
    }
  }
  return -1;
}

/* An inline object as a CSV line of the declared columns, in order. */
static char *csv_line(const sq_test_doc_t *d, int obj, const sq_relation_t *rel) {
  sq_buf_t b = {0};
  sq_arena_t scratch = {0};
  for (size_t c = 0; c < rel->n_columns && !rel->columns[c].metadata; c++) {
    if (c) sq_buf_putc(&b, ',');
    int v = sq_test_doc_member(d, obj, rel->columns[c].name);
    if (v < 0 || sq_test_doc_is(d, v, "null")) continue; /* an empty field: NULL */
    const sq_json_token_t *t = &d->json.tokens[v];
    sq_value_t s = t->kind == SQ_JSON_STRING ? sq_json_string(&d->json, d->file.text, v, &scratch)
                                             : sq_str(d->file.text + t->start, (uint32_t)(t->end - t->start));
    bool quote = t->kind != SQ_JSON_PRIMITIVE;
    if (quote) sq_buf_putc(&b, '"');
    for (uint32_t i = 0; i < s.u.s.len; i++) {
      if (s.u.s.p[i] == '"') sq_buf_putc(&b, '"');
      sq_buf_putc(&b, s.u.s.p[i]);
    }
    if (quote) sq_buf_putc(&b, '"');
  }
  sq_buf_putc(&b, '\0');
  sq_arena_free(&scratch);
  if (!b.failed) return b.data;
  sq_buf_free(&b);
  return NULL;
}

static sq_test_row_t *add_row(sq_test_input_t *in) {
  sq_test_row_t *v = grow(in->rows, in->n_rows, sizeof *v);
  if (!v) return NULL;
  in->rows = v;
  v[in->n_rows] = (sq_test_row_t){.partition = -1, .offset = -1};
  return &v[in->n_rows++];
}

static bool inline_rows(sq_test_file_t *f, int tok, sq_test_input_t *in, const sq_relation_t *rel) {
  sq_test_doc_t *d = &f->doc;
  bool csv = sq_option_is(rel, "format", "csv");
  in->positional = csv;
  for (int k = 0, at = tok + 1; k < d->json.tokens[tok].size; k++, at = sq_json_skip(&d->json, at)) {
    const sq_json_token_t *t = &d->json.tokens[at];
    sq_test_row_t *row = add_row(in);
    if (!row || !(row->place = place_of(d->file.sql, (uint32_t)t->start, true))) return sq_test_doc_error(d, at, "out of memory"), false;
    if (t->kind == SQ_JSON_STRING) { /* the raw record, for bad input */
      row->text = sq_test_doc_string(d, at);
      row->len = row->text ? strlen(row->text) : 0;
      continue;
    }
    if (t->kind != SQ_JSON_OBJECT) {
      sq_test_doc_error(d, at, "a fixture row is a JSON object (or a string: the raw record)");
      return false;
    }
    const char *why;
    int bad = read_metadata(d->file.text, &d->json, at, row, &d->arena, &why);
    if (bad >= 0) return sq_test_doc_error(d, bad, "%s", why), false;
    if (csv) {
      if (!(row->owned = csv_line(d, at, rel))) return sq_test_doc_error(d, at, "out of memory"), false;
      row->text = row->owned;
      row->len = strlen(row->owned);
    } else {
      row->text = d->file.text + t->start;
      row->len = (size_t)(t->end - t->start);
    }
  }
  return true;
}

/* A fixture file: one record a line, as the source's format reads them
 * (a CSV file's first line is its header); JSON lines may set metadata. */
static bool file_rows(sq_test_file_t *f, int tok, sq_test_input_t *in, const sq_relation_t *rel) {
  sq_test_doc_t *d = &f->doc;
  char *path = beside(f->path, sq_test_doc_string(d, tok));
  if (!path || !sq_pipeline_file_read(path, &in->file)) {
    sq_test_doc_error(d, tok, "cannot read fixture '%s': %s", path ? path : "?", strerror(errno));
    free(path);
    return false;
  }
  free(path);
  bool csv = sq_option_is(rel, "format", "csv"), ok = true;
  sq_diag_t *diag = sq_diag_new(in->file.sql);
  sq_json_t j = {0};
  const char *text = in->file.text;
  size_t len = sq_sql_len(in->file.sql);
  for (size_t at = 0; ok && at < len;) {
    const char *nl = memchr(text + at, '\n', len - at);
    size_t end = nl ? (size_t)(nl - text) : len, line_len = end - at;
    if (line_len && text[end - 1] == '\r') line_len--;
    size_t start = at;
    at = end + 1;
    if (line_len == 0) continue;
    if (csv && !in->header) {
      ok = (in->header = strndup(text + start, line_len)) != NULL;
      continue;
    }
    sq_test_row_t *row = add_row(in);
    ok = row && (row->place = place_of(in->file.sql, (uint32_t)start, false));
    if (!ok) break;
    row->text = text + start;
    row->len = line_len;
    const char *why;
    int bad;
    if (!csv && sq_json_parse(&j, row->text, row->len) && j.tokens[0].kind == SQ_JSON_OBJECT &&
        (bad = read_metadata(row->text, &j, 0, row, &d->arena, &why)) >= 0) {
      sq_diag_error(diag, (sq_span_t){(uint32_t)(start + (size_t)j.tokens[bad].start), (uint32_t)(start + (size_t)j.tokens[bad].end)}, "%s", why);
      ok = false;
    }
  }
  if (!ok && diag) sq_diag_print(diag, stderr);
  if (!ok) sq_test_doc_error(d, tok, "invalid fixture");
  sq_json_free(&j);
  sq_diag_destroy(diag);
  return ok;
}

static bool read_inputs(sq_test_file_t *f, const sq_program_t *prog, int tok, sq_test_case_t *t) {
  sq_test_doc_t *d = &f->doc;
  if (d->json.tokens[tok].kind != SQ_JSON_OBJECT) return sq_test_doc_error(d, tok, "inputs is an object: {\"source\": rows or \"file\"}"), false;
  size_t n = (size_t)d->json.tokens[tok].size;
  if (!(t->inputs = calloc(n + 1, sizeof *t->inputs))) return sq_test_doc_error(d, tok, "out of memory"), false;
  for (int k = 0, at = tok + 1; (size_t)k < n; k++, at = sq_json_skip(&d->json, at + 1)) {
    sq_test_input_t *in = &t->inputs[t->n_inputs++];
    in->source = sq_test_doc_string(d, at);
    const sq_relation_t *rel = find_relation(d, prog, at, in->source, false);
    if (!rel) return false;
    sq_json_kind_t kind = d->json.tokens[at + 1].kind;
    if (kind == SQ_JSON_ARRAY ? !inline_rows(f, at + 1, in, rel)
        : kind == SQ_JSON_STRING ? !file_rows(f, at + 1, in, rel)
                                 : (sq_test_doc_error(d, at + 1, "a fixture is an array of rows or the path of a JSON-lines or CSV file"), true))
      return false;
  }
  return true;
}

/* Appends the canonical form of object token `obj` of `j` over `text`. */
static bool expected_row(sq_test_expect_t *e, const char *text, const sq_json_t *j, int obj) {
  sq_buf_t b = {0};
  sq_arena_t scratch = {0};
  bool ok = sq_json_canonical(text, j, obj, &b, &scratch);
  sq_buf_putc(&b, '\0');
  sq_arena_free(&scratch);
  char **v = grow(e->rows, e->n_rows, sizeof *v);
  if (!ok || b.failed || !v) {
    sq_buf_free(&b);
    return false;
  }
  e->rows = v;
  v[e->n_rows++] = b.data;
  return true;
}

/* Expected rows from a JSON-lines file, with its own diagnostics. */
static bool expect_file(sq_test_file_t *f, int tok, sq_test_expect_t *e) {
  sq_test_doc_t *d = &f->doc;
  sq_pipeline_file_t file;
  e->path = beside(f->path, sq_test_doc_string(d, tok));
  if (!e->path || !sq_pipeline_file_read(e->path, &file)) {
    sq_test_doc_error(d, tok, "cannot read expected rows '%s': %s", e->path ? e->path : "?", strerror(errno));
    return false;
  }
  sq_diag_t *diag = sq_diag_new(file.sql);
  sq_json_t j = {0};
  size_t len = sq_sql_len(file.sql);
  bool ok = diag != NULL;
  for (size_t at = 0; ok && at < len;) {
    const char *nl = memchr(file.text + at, '\n', len - at);
    size_t end = nl ? (size_t)(nl - file.text) : len, start = at;
    at = end + 1;
    if (end == start) continue;
    if (!sq_json_parse(&j, file.text + start, end - start) || j.tokens[0].kind != SQ_JSON_OBJECT) {
      sq_diag_error(diag, (sq_span_t){(uint32_t)start, (uint32_t)end}, "an expected row is a JSON object on one line");
      ok = false;
    } else {
      ok = expected_row(e, file.text + start, &j, 0);
    }
  }
  if (diag) sq_diag_print(diag, stderr);
  if (!ok) sq_test_doc_error(d, tok, "invalid expected rows");
  sq_diag_destroy(diag);
  sq_json_free(&j);
  sq_pipeline_file_free(&file);
  return ok;
}

static bool read_expect(sq_test_file_t *f, const sq_program_t *prog, int tok, sq_test_case_t *t) {
  sq_test_doc_t *d = &f->doc;
  if (d->json.tokens[tok].kind != SQ_JSON_OBJECT) return sq_test_doc_error(d, tok, "expect is an object: {\"sink\": rows or \"file\"}"), false;
  size_t n = (size_t)d->json.tokens[tok].size;
  if (!(t->expects = calloc(n + 1, sizeof *t->expects))) return sq_test_doc_error(d, tok, "out of memory"), false;
  t->expect_tok = tok;
  for (int k = 0, at = tok + 1; (size_t)k < n; k++, at = sq_json_skip(&d->json, at + 1)) {
    sq_test_expect_t *e = &t->expects[t->n_expects++];
    e->sink = sq_test_doc_string(d, at);
    if (!find_relation(d, prog, at, e->sink, true)) return false;
    const sq_json_token_t *v = &d->json.tokens[at + 1];
    if (v->kind == SQ_JSON_STRING) {
      if (!expect_file(f, at + 1, e)) return false;
      continue;
    }
    if (v->kind != SQ_JSON_ARRAY)
      return sq_test_doc_error(d, at + 1, "expected rows are an array of objects or the path of a JSON-lines file"), false;
    for (int r = 0, row = at + 2; r < v->size; r++, row = sq_json_skip(&d->json, row)) {
      if (d->json.tokens[row].kind != SQ_JSON_OBJECT) return sq_test_doc_error(d, row, "an expected row is a JSON object"), false;
      if (!expected_row(e, d->file.text, &d->json, row)) return sq_test_doc_error(d, row, "out of memory"), false;
    }
  }
  return true;
}

static bool read_bad(sq_test_doc_t *d, const sq_program_t *prog, int tok, sq_test_case_t *t) {
  if (d->json.tokens[tok].kind != SQ_JSON_OBJECT) return sq_test_doc_error(d, tok, "expect_bad is an object: {\"source\": count}"), false;
  size_t n = (size_t)d->json.tokens[tok].size;
  if (!(t->bad = calloc(n + 1, sizeof *t->bad))) return sq_test_doc_error(d, tok, "out of memory"), false;
  for (int k = 0, at = tok + 1; (size_t)k < n; k++, at = sq_json_skip(&d->json, at + 1)) {
    sq_test_count_t *c = &t->bad[t->n_bad++];
    c->source = sq_test_doc_string(d, at);
    if (!find_relation(d, prog, at, c->source, false)) return false;
    if (!sq_test_doc_int(d, at + 1, &c->n) || c->n < 0) return sq_test_doc_error(d, at + 1, "a count is a non-negative integer"), false;
  }
  return true;
}

static bool read_sets(sq_test_doc_t *d, int tok, sq_test_case_t *t) {
  if (d->json.tokens[tok].kind != SQ_JSON_OBJECT) return sq_test_doc_error(d, tok, "set is an object: {\"setting\": \"value\"}"), false;
  size_t n = (size_t)d->json.tokens[tok].size;
  if (!(t->sets = calloc(n + 1, sizeof *t->sets))) return sq_test_doc_error(d, tok, "out of memory"), false;
  for (int k = 0, at = tok + 1; (size_t)k < n; k++, at = sq_json_skip(&d->json, at + 1)) {
    const char *key = sq_test_doc_string(d, at);
    const sq_setting_spec_t *spec = sq_setting_find(key);
    if (!spec) return sq_test_doc_error(d, at, "unknown setting '%s'", key), false;
    const sq_json_token_t *v = &d->json.tokens[at + 1];
    if (v->kind == SQ_JSON_OBJECT || v->kind == SQ_JSON_ARRAY) return sq_test_doc_error(d, at + 1, "a setting's value is a string or a number"), false;
    size_t vlen;
    const char *value = v->kind == SQ_JSON_STRING ? sq_test_doc_string(d, at + 1) : sq_test_doc_text(d, at + 1, &vlen);
    if (v->kind == SQ_JSON_STRING) vlen = strlen(value);
    char *kv = malloc(strlen(key) + vlen + 2);
    if (!kv) return sq_test_doc_error(d, tok, "out of memory"), false;
    sprintf(kv, "%s=%.*s", key, (int)vlen, value);
    t->sets[t->n_sets++] = kv;
    double parsed;
    if (!strstr(kv, "${") && !sq_setting_parse(spec, kv + strlen(key) + 1, &parsed)) return sq_test_doc_error(d, at + 1, "%s", spec->error), false;
  }
  return true;
}

static int input_index(const sq_test_case_t *t, const char *source) {
  for (size_t i = 0; i < t->n_inputs; i++)
    if (strcmp(t->inputs[i].source, source) == 0) return (int)i;
  return -1;
}

/* The arrival order: every fixture row once, each source's in order. */
static bool read_interleave(sq_test_doc_t *d, int tok, sq_test_case_t *t) {
  const sq_json_token_t *a = &d->json.tokens[tok];
  if (a->kind != SQ_JSON_ARRAY) return sq_test_doc_error(d, tok, "interleave is an array of [\"source\", row index] pairs"), false;
  size_t *next = calloc(t->n_inputs + 1, sizeof *next);
  if (!next || !(t->interleave = calloc((size_t)a->size + 1, sizeof *t->interleave))) {
    free(next);
    return sq_test_doc_error(d, tok, "out of memory"), false;
  }
  bool ok = true;
  for (int k = 0, at = tok + 1; ok && k < a->size; k++, at = sq_json_skip(&d->json, at)) {
    const sq_json_token_t *e = &d->json.tokens[at];
    int64_t row;
    int input = -1;
    ok = e->kind == SQ_JSON_ARRAY && e->size == 2 && d->json.tokens[at + 1].kind == SQ_JSON_STRING && sq_test_doc_int(d, at + 2, &row);
    if (!ok) {
      sq_test_doc_error(d, at, "an interleave entry is [\"source\", row index]");
      break;
    }
    const char *source = sq_test_doc_string(d, at + 1);
    if ((input = input_index(t, source)) < 0) {
      sq_test_doc_error(d, at + 1, "'%s' has no fixture in inputs", source);
      ok = false;
    } else if (row != (int64_t)next[input]) {
      if (next[input] >= t->inputs[input].n_rows)
        sq_test_doc_error(d, at + 2, "every one of the %zu rows of '%s' is listed already", t->inputs[input].n_rows, source);
      else sq_test_doc_error(d, at + 2, "row %zu of '%s' comes next (rows of a source arrive in order)", next[input], source);
      ok = false;
    } else {
      t->interleave[t->n_interleave++] = (sq_test_arrival_t){(uint32_t)input, (uint32_t)next[input]++};
    }
  }
  for (size_t i = 0; ok && i < t->n_inputs; i++)
    if (next[i] < t->inputs[i].n_rows) {
      sq_test_doc_error(d, tok, "interleave lists %zu of the %zu rows of '%s': list every fixture row once", next[i], t->inputs[i].n_rows,
                        t->inputs[i].source);
      ok = false;
    }
  free(next);
  return ok;
}

static bool read_case(sq_test_file_t *f, const sq_program_t *prog, int tok, sq_test_case_t *t, size_t index, bool several) {
  sq_test_doc_t *d = &f->doc;
  *t = (sq_test_case_t){.tok = tok, .expect_tok = -1, .late = -1};
  if (d->json.tokens[tok].kind != SQ_JSON_OBJECT) return sq_test_doc_error(d, tok, "a test is a JSON object"), false;
  int interleave = -1;
  for (int k = 0, at = tok + 1; k < d->json.tokens[tok].size; k++, at = sq_json_skip(&d->json, at + 1)) {
    const char *key = sq_test_doc_string(d, at);
    int v = at + 1;
    bool ok = true;
    if (strcmp(key, "name") == 0) {
      ok = d->json.tokens[v].kind == SQ_JSON_STRING && (t->name = sq_test_doc_string(d, v));
      if (!ok) sq_test_doc_error(d, v, "name is a string");
    } else if (strcmp(key, "inputs") == 0) ok = read_inputs(f, prog, v, t);
    else if (strcmp(key, "expect") == 0) ok = read_expect(f, prog, v, t);
    else if (strcmp(key, "expect_bad") == 0) ok = read_bad(d, prog, v, t);
    else if (strcmp(key, "set") == 0) ok = read_sets(d, v, t);
    else if (strcmp(key, "interleave") == 0) interleave = v;
    else if (strcmp(key, "ordered") == 0) {
      t->ordered = sq_test_doc_is(d, v, "true");
      if (!(ok = t->ordered || sq_test_doc_is(d, v, "false"))) sq_test_doc_error(d, v, "ordered is true or false");
    } else if (strcmp(key, "expect_late") == 0) {
      if (!(ok = sq_test_doc_int(d, v, &t->late) && t->late >= 0)) sq_test_doc_error(d, v, "expect_late is a non-negative integer");
    } else {
      sq_suggest_t s;
      sq_suggest_init(&s, key);
      for (size_t i = 0; i < N_TEST_KEYS; i++) sq_suggest_offer(&s, test_keys[i]);
      const char *best = sq_suggest_best(&s);
      sq_test_doc_error(d, at, "unknown member '%s'%s%s%s", key, best ? "; did you mean '" : " (a test has name, inputs, expect, ordered, set, expect_bad, expect_late, interleave)",
                        best ? best : "", best ? "'?" : "");
      ok = false;
    }
    if (!ok) return false;
  }
  if (!t->name) { /* the file's name, and the test's place in it */
    char name[4200];
    const char *slash = strrchr(f->path, '/');
    snprintf(name, sizeof name, several ? "%s[%zu]" : "%s", slash ? slash + 1 : f->path, index);
    char *copy = sq_arena_alloc(&d->arena, strlen(name) + 1);
    if (!copy) return false;
    t->name = strcpy(copy, name);
  }
  return interleave < 0 || read_interleave(d, interleave, t);
}

bool sq_test_file_load(sq_test_file_t *f, const char *path, const sq_program_t *prog) {
  memset(f, 0, sizeof *f);
  f->path = path;
  bool ok = sq_test_doc_read(&f->doc, path);
  if (ok) {
    const sq_json_token_t *root = &f->doc.json.tokens[0];
    bool several = root->kind == SQ_JSON_ARRAY;
    size_t n = several ? (size_t)root->size : 1;
    if (several && n == 0) sq_test_doc_error(&f->doc, 0, "no tests in this file");
    f->cases = calloc(n + 1, sizeof *f->cases);
    if (!f->cases) sq_test_doc_error(&f->doc, 0, "out of memory");
    for (int i = 0, at = several ? 1 : 0; f->cases && (size_t)i < n; i++, at = sq_json_skip(&f->doc.json, at))
      read_case(f, prog, at, &f->cases[f->n_cases++], (size_t)i, several);
  }
  if (f->doc.diag) sq_diag_print(f->doc.diag, stderr);
  return ok && sq_diag_count(f->doc.diag) == 0;
}

void sq_test_file_free(sq_test_file_t *f) {
  for (size_t c = 0; c < f->n_cases; c++) {
    sq_test_case_t *t = &f->cases[c];
    for (size_t i = 0; i < t->n_inputs; i++) {
      sq_test_input_t *in = &t->inputs[i];
      for (size_t r = 0; r < in->n_rows; r++) {
        free(in->rows[r].owned);
        free(in->rows[r].place);
      }
      free(in->rows);
      free(in->header);
      sq_pipeline_file_free(&in->file);
    }
    for (size_t e = 0; e < t->n_expects; e++) {
      for (size_t r = 0; r < t->expects[e].n_rows; r++) free(t->expects[e].rows[r]);
      free(t->expects[e].rows);
      free(t->expects[e].path);
    }
    for (size_t s = 0; s < t->n_sets; s++) free(t->sets[s]);
    free(t->inputs);
    free(t->expects);
    free(t->sets);
    free(t->bad);
    free(t->interleave);
  }
  free(f->cases);
  sq_test_doc_free(&f->doc);
}

const sq_test_input_t *sq_test_input(const sq_test_case_t *t, const char *source) {
  int i = input_index(t, source);
  return i < 0 ? NULL : &t->inputs[i];
}
