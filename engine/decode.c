/* Schema-directed decoding of JSON and CSV records into typed values.
 *
 * JSON: the common record, a flat object of scalars, is decoded in one
 * pass (members matched and converted as they are scanned); anything else
 * — a nested value, an escape in a value read, a PATH column, or a record
 * the fast pass doubts — is tokenized, top-level members are matched to
 * declared columns by name, and columns with a PATH are looked up from the
 * root. Both passes check the whole record against RFC 8259 with the same
 * scanners (engine/json.c), so the fast pass only accepts what the
 * tokenizer accepts, with the same values; everything it declines goes the
 * tokenizer's way, which also words the errors. Members nobody declared,
 * and declared columns no query reads, are checked but not converted. A
 * value of the wrong JSON type for its column makes the record bad; a
 * missing member is NULL.
 * CSV: the header line names the columns; fields are converted from text,
 * and an empty unquoted field is NULL. A line must be UTF-8.
 * simdjson was measured against this on flat records of ~110 bytes and is
 * slower per record (DOM, which validates all: 150-160 ns; On-Demand, which
 * does not check values it skips: 150-170 ns; this decoder: 120 ns), and
 * it needs padding past each record. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/json.h"
#include "engine/number.h"
#include "engine/timestamp.h"
#include "engine/format.h"
#include "engine/utf8.h"

struct sq_decoder {
  const sq_relation_t *rel;
  sq_format_t format;
  sq_ts_format_t ts_format;
  int n_declared;   /* declared (non-metadata) columns, first in rel */
  bool has_paths;   /* some column has a PATH: no fast pass */
  size_t *name_len; /* of each declared column */
  bool *plain_name; /* the name needs no JSON escape: matched in place */
  bool *skip;       /* no query reads the column: not decoded */
  bool *integral;   /* read, and an integer in JSON (BIGINT, epoch-ms TIMESTAMP) */
  sq_json_t json;
  int *csv_map;     /* CSV field index -> column index, or -1 */
  int csv_fields;
  sq_value_t *fields; /* CSV: raw field texts of one line */
  bool *quoted;       /* CSV: whether each field was quoted ("" is not NULL) */
};

/* Bytes that end a member's value in a flat object. */
static const bool ends_value[256] = {[','] = true, ['}'] = true, [' '] = true, ['\t'] = true, ['\r'] = true, ['\n'] = true};

sq_decoder_t *sq_decoder_new(const sq_relation_t *rel, sq_format_t format, sq_ts_format_t ts_format, const bool *read) {
  sq_decoder_t *d = calloc(1, sizeof *d);
  if (!d) return NULL;
  d->rel = rel;
  d->format = format;
  d->ts_format = ts_format;
  while ((size_t)d->n_declared < rel->n_columns && !rel->columns[d->n_declared].metadata) d->n_declared++;
  d->name_len = malloc(((size_t)d->n_declared + 1) * sizeof *d->name_len);
  d->plain_name = malloc(((size_t)d->n_declared + 1) * sizeof *d->plain_name);
  d->skip = malloc(((size_t)d->n_declared + 1) * sizeof *d->skip);
  d->integral = malloc(((size_t)d->n_declared + 1) * sizeof *d->integral);
  if (!d->name_len || !d->plain_name || !d->skip || !d->integral) {
    sq_decoder_destroy(d);
    return NULL;
  }
  for (int c = 0; c < d->n_declared; c++) {
    const char *name = rel->columns[c].name;
    d->name_len[c] = strlen(name);
    d->skip[c] = read && !read[c];
    sq_type_t type = rel->columns[c].type;
    d->integral[c] = !d->skip[c] && (type == SQ_TYPE_BIGINT || (type == SQ_TYPE_TIMESTAMP && ts_format == SQ_TS_EPOCH_MS));
    d->plain_name[c] = sq_utf8_check(name, d->name_len[c]) == d->name_len[c];
    for (const char *n = name; *n; n++) d->plain_name[c] &= (unsigned char)*n >= 0x20 && *n != '"' && *n != '\\';
    d->has_paths |= rel->columns[c].path != NULL && !d->skip[c];
  }
  return d;
}

void sq_decoder_destroy(sq_decoder_t *d) {
  if (!d) return;
  sq_json_free(&d->json);
  free(d->name_len);
  free(d->plain_name);
  free(d->skip);
  free(d->integral);
  free(d->csv_map);
  free(d->fields);
  free(d->quoted);
  free(d);
}

static bool fail(char *err, size_t size, const char *fmt, const char *column, const char *what) {
  snprintf(err, size, fmt, column, what);
  return false;
}

/* Converts text (a JSON primitive, or a CSV field) to the column's type.
 * `quoted` says the text was a JSON string. */
static bool convert(const sq_decoder_t *d, const sq_column_t *col, const char *p, size_t len, bool quoted,
                    sq_value_t *out, char *err, size_t err_size) {
  int64_t i;
  double x;
  switch (col->type) {
  case SQ_TYPE_STRING: /* a JSON number or boolean too, as its text (a field of mixed types) */
    *out = sq_str(p, (uint32_t)len);
    return true;
  case SQ_TYPE_BIGINT:
    if (quoted || !sq_parse_int(p, len, &i)) return fail(err, err_size, "column '%s': expected an integer, got %s", col->name, quoted ? "a string" : "another value");
    *out = sq_int(i);
    return true;
  case SQ_TYPE_DOUBLE:
    if (quoted || !sq_parse_double(p, len, &x)) return fail(err, err_size, "column '%s': expected a number, got %s", col->name, quoted ? "a string" : "another value");
    *out = sq_double(x);
    return true;
  case SQ_TYPE_BOOLEAN:
    if (!quoted && len == 4 && memcmp(p, "true", 4) == 0) *out = sq_bool(true);
    else if (!quoted && len == 5 && memcmp(p, "false", 5) == 0) *out = sq_bool(false);
    else return fail(err, err_size, "column '%s': expected true or false%s", col->name, "");
    return true;
  case SQ_TYPE_TIMESTAMP:
    if (!quoted && d->ts_format != SQ_TS_ISO8601) {
      if (d->ts_format == SQ_TS_EPOCH_S) {
        /* the milliseconds must fit a BIGINT (converting more is undefined) */
        if (!sq_parse_double(p, len, &x) || !(x * 1000.0 >= -0x1p63 && x * 1000.0 < 0x1p63))
          return fail(err, err_size, "column '%s': expected epoch seconds%s", col->name, " (in BIGINT milliseconds' range)");
        *out = sq_ts((int64_t)(x * 1000.0));
      } else {
        if (!sq_parse_int(p, len, &i)) return fail(err, err_size, "column '%s': expected epoch milliseconds%s", col->name, "");
        *out = sq_ts(i);
      }
      return true;
    }
    if (!sq_timestamp_parse(p, len, &i)) return fail(err, err_size, "column '%s': expected an ISO-8601 timestamp%s", col->name, "");
    *out = sq_ts(i);
    return true;
  default:
    return fail(err, err_size, "column '%s': unsupported type%s", col->name, "");
  }
}

static bool json_value(sq_decoder_t *d, const char *text, int t, const sq_column_t *col, sq_value_t *out,
                       sq_arena_t *arena, char *err, size_t err_size) {
  const sq_json_token_t *tok = &d->json.tokens[t];
  const char *p = text + tok->start;
  size_t len = (size_t)(tok->end - tok->start);
  if (tok->kind == SQ_JSON_PRIMITIVE && p[0] == 'n') {
    *out = sq_null();
    return true;
  }
  if (tok->kind == SQ_JSON_OBJECT || tok->kind == SQ_JSON_ARRAY) {
    if (col->type != SQ_TYPE_STRING) return fail(err, err_size, "column '%s': expected a scalar, got %s", col->name, "an object or array");
    *out = sq_str(p, (uint32_t)len); /* nested JSON kept as its text */
    return true;
  }
  bool quoted = tok->kind == SQ_JSON_STRING;
  if (quoted && sq_json_has_escapes(&d->json, text, t)) {
    sq_value_t s = sq_json_string(&d->json, text, t, arena);
    if (sq_is_null(s)) return fail(err, err_size, "column '%s': %s", col->name, "out of memory");
    p = s.u.s.p;
    len = s.u.s.len;
  }
  return convert(d, col, p, len, quoted, out, err, err_size);
}

/* The declared column without PATH named `key`, or -1. Producers usually
 * write keys in one order, so the column after the last match (*guess) is
 * tried first. */
static int find_column(const sq_decoder_t *d, const char *key, size_t klen, int *guess) {
  for (int tried = 0; tried < d->n_declared; tried++) {
    int c = *guess + tried < d->n_declared ? *guess + tried : *guess + tried - d->n_declared; /* no division */
    const sq_column_t *col = &d->rel->columns[c];
    if (col->path || d->name_len[c] != klen || memcmp(col->name, key, klen) != 0) continue;
    *guess = c + 1 < d->n_declared ? c + 1 : 0;
    return c;
  }
  return -1;
}

/* Whether the member key at `key` (past its quote) is column c's name,
 * compared in place: producers usually write keys in one order, so this
 * usually settles a key without scanning it first. */
static bool key_is(const sq_decoder_t *d, int c, const char *key, const char *end) {
  size_t n = d->name_len[c];
  if (!d->plain_name[c] || (size_t)(end - key) <= n || key[n] != '"') return false;
  const char *name = d->rel->columns[c].name;
  for (size_t i = 0; i < n; i++)
    if (key[i] != name[i]) return false;
  return true;
}

static const char *skip_space(const char *p, const char *end) {
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) p++;
  return p;
}

/* An integer of at most 18 digits (no overflow possible), without leading
 * zeros, ending at a delimiter or the record's end, scanned and converted
 * in one pass: its end, or NULL for anything else, which the general scan
 * then judges. */
static const char *scan_int(const char *p, const char *end, int64_t *out) {
  const char *start = p + (p < end && *p == '-'), *q = start;
  int64_t v = 0;
  while (q < end && q - start < 18 && (unsigned)(*q - '0') <= 9) v = v * 10 + (*q++ - '0');
  if (q == start || (*start == '0' && q - start > 1) || (q < end && !ends_value[(unsigned char)*q])) return NULL;
  *out = start > p ? -v : v;
  return q;
}

/* A member's value at *p, checked, and into row[c] unless c < 0 or
 * skipped; false when the fast pass declines. */
static bool flat_value(const sq_decoder_t *d, int c, const char **pp, const char *end, sq_value_t *row) {
  const char *p = *pp, *v = p, *v_end;
  sq_json_fault_t fault;
  bool quoted = p < end && *p == '"', escaped = false;
  if (quoted) {
    if (!(v_end = sq_json_string_end(++v, end, &escaped, &fault))) return false;
    p = v_end + 1;
  } else {
    if (!(v_end = sq_json_scalar_end(p, end, &fault))) return false;
    p = v_end;
  }
  *pp = p;
  if (c < 0 || d->skip[c]) return true;
  if (escaped) return false; /* the tokenizer's way copies it unescaped */
  const sq_column_t *col = &d->rel->columns[c];
  size_t vlen = (size_t)(v_end - v);
  char err[8];
  if (!quoted && *v == 'n') {
    row[c] = sq_null();
    return vlen == 4 && memcmp(v, "null", 4) == 0;
  }
  return (quoted || col->type != SQ_TYPE_STRING) && convert(d, col, v, vlen, quoted, &row[c], err, sizeof err);
}

/* The fast pass over a flat object of scalars; false when it declines. */
static bool decode_flat_json(sq_decoder_t *d, const char *text, size_t len, sq_value_t *row) {
  const char *p = skip_space(text, text + len), *end = text + len;
  if (d->has_paths || p == end || *p++ != '{') return false;
  p = skip_space(p, end);
  bool empty = p < end && *p == '}';
  p += empty;
  int guess = 0;
  while (!empty) {
    if (p == end || *p != '"') return false;
    const char *key = p + 1, *key_end;
    int c = -1;
    sq_json_fault_t fault;
    bool escaped = false; /* names are matched as written, as on the tokenizer's way */
    if (d->n_declared > 0 && key_is(d, guess, key, end)) {
      c = guess;
      key_end = key + d->name_len[c];
      guess = c + 1 < d->n_declared ? c + 1 : 0;
    } else if (!(key_end = sq_json_string_end(key, end, &escaped, &fault))) {
      return false;
    } else {
      c = find_column(d, key, (size_t)(key_end - key), &guess);
    }
    p = skip_space(key_end + 1, end);
    if (p == end || *p++ != ':') return false;
    p = skip_space(p, end);
    int64_t i;
    const char *after_int = c >= 0 && d->integral[c] ? scan_int(p, end, &i) : NULL;
    if (after_int) {
      row[c] = d->rel->columns[c].type == SQ_TYPE_BIGINT ? sq_int(i) : sq_ts(i);
      p = after_int;
    } else if (!flat_value(d, c, &p, end, row)) {
      return false;
    }
    p = skip_space(p, end);
    if (p < end && *p == '}') {
      p++;
      break;
    }
    if (p == end || *p++ != ',') return false;
    p = skip_space(p, end);
  }
  return skip_space(p, end) == end;
}

static bool decode_json(sq_decoder_t *d, const char *text, size_t len, sq_value_t *row, sq_arena_t *arena, char *err, size_t err_size) {
  if (decode_flat_json(d, text, len, row)) return true;
  sq_set_null(row, (size_t)d->n_declared); /* the fast pass may have filled some */
  if (!sq_json_parse(&d->json, text, len)) {
    sq_json_error(&d->json, err, err_size);
    return false;
  }
  if (d->json.tokens[0].kind != SQ_JSON_OBJECT) return fail(err, err_size, "%s%s", "expected a JSON object", "");
  const sq_relation_t *rel = d->rel;
  /* One pass over the top-level members for the columns without PATH. */
  int k = 1, guess = 0;
  for (int m = 0; m < d->json.tokens[0].size; m++) {
    const sq_json_token_t *key = &d->json.tokens[k];
    int c = find_column(d, text + key->start, (size_t)(key->end - key->start), &guess);
    if (c >= 0 && !d->skip[c] && !json_value(d, text, k + 1, &rel->columns[c], &row[c], arena, err, err_size)) return false;
    /* a scalar value is one token; only nested values need a walk */
    k = d->json.tokens[k + 1].kind == SQ_JSON_OBJECT || d->json.tokens[k + 1].kind == SQ_JSON_ARRAY ? sq_json_skip(&d->json, k + 1) : k + 2;
  }
  for (int c = 0; c < d->n_declared; c++) {
    const sq_column_t *col = &rel->columns[c];
    if (!col->path || d->skip[c]) continue;
    int t = sq_json_find(&d->json, text, 0, col->path, strlen(col->path));
    if (t >= 0 && !json_value(d, text, t, col, &row[c], arena, err, err_size)) return false;
  }
  return true;
}

/* Splits a CSV line into d->fields (quotes removed, "" unescaped into the
 * arena) and d->quoted. */
static bool split_csv(sq_decoder_t *d, const char *line, size_t len, sq_arena_t *arena, int *n_out) {
  int n = 0;
  size_t i = 0;
  for (;;) {
    if (n == d->csv_fields) return false; /* more fields than the header */
    sq_value_t *f = &d->fields[n];
    d->quoted[n++] = i < len && line[i] == '"';
    if (i < len && line[i] == '"') {
      char *buf = sq_arena_alloc(arena, len - i + 1), *o = buf;
      if (!buf) return false;
      for (i++;; i++) {
        if (i >= len) return false; /* unterminated quote */
        if (line[i] == '"') {
          if (i + 1 < len && line[i + 1] == '"') i++;
          else break;
        }
        *o++ = line[i];
      }
      i++;
      *f = sq_str(buf, (uint32_t)(o - buf));
      if (i < len && line[i] != ',') return false;
    } else {
      size_t start = i;
      while (i < len && line[i] != ',') i++;
      *f = sq_str(line + start, (uint32_t)(i - start));
    }
    if (i >= len) break;
    i++; /* the comma */
  }
  *n_out = n;
  return true;
}

bool sq_decoder_positional(sq_decoder_t *d) {
  int n = d->n_declared ? d->n_declared : 1;
  d->csv_map = malloc((size_t)n * sizeof *d->csv_map);
  d->fields = malloc((size_t)n * sizeof *d->fields);
  d->quoted = malloc((size_t)n * sizeof *d->quoted);
  if (!d->csv_map || !d->fields || !d->quoted) return false;
  for (int c = 0; c < n; c++) d->csv_map[c] = c < d->n_declared ? c : -1;
  d->csv_fields = n;
  return true;
}

bool sq_decoder_header(sq_decoder_t *d, const char *line, size_t len, char *err, size_t err_size) {
  int n = 1;
  for (size_t i = 0; i < len; i++) n += line[i] == ',';
  free(d->csv_map);
  free(d->fields);
  free(d->quoted);
  d->csv_map = malloc((size_t)n * sizeof *d->csv_map);
  d->fields = malloc((size_t)n * sizeof *d->fields);
  d->quoted = malloc((size_t)n * sizeof *d->quoted);
  d->csv_fields = n;
  sq_arena_t scratch = {0};
  int got;
  bool ok = d->csv_map && d->fields && d->quoted && split_csv(d, line, len, &scratch, &got);
  for (int f = 0; ok && f < got; f++) {
    d->csv_map[f] = -1;
    for (int c = 0; c < d->n_declared; c++)
      if (strlen(d->rel->columns[c].name) == d->fields[f].u.s.len &&
          memcmp(d->rel->columns[c].name, d->fields[f].u.s.p, d->fields[f].u.s.len) == 0)
        d->csv_map[f] = c;
  }
  d->csv_fields = ok ? got : 0;
  sq_arena_free(&scratch);
  if (!ok) snprintf(err, err_size, "invalid CSV header line");
  return ok;
}

static bool decode_csv(sq_decoder_t *d, const char *text, size_t len, sq_value_t *row, sq_arena_t *arena, char *err, size_t err_size) {
  size_t bad = sq_utf8_check(text, len);
  if (bad < len) {
    snprintf(err, err_size, "invalid UTF-8 at byte %zu", bad + 1);
    return false;
  }
  int n;
  if (!d->fields || !split_csv(d, text, len, arena, &n)) return fail(err, err_size, "%s%s", "invalid CSV line (bad quoting or more fields than the header)", "");
  for (int f = 0; f < n; f++) {
    int c = d->csv_map[f];
    if (c < 0 || d->skip[c]) continue;
    sq_value_t field = d->fields[f];
    if (!d->quoted[f] && field.u.s.len == 0) continue; /* NULL */
    if (!convert(d, &d->rel->columns[c], field.u.s.p, field.u.s.len, false, &row[c], err, err_size)) return false;
  }
  return true;
}

bool sq_decode(sq_decoder_t *d, const char *text, size_t len, sq_value_t *row, sq_arena_t *arena, char *err, size_t err_size) {
  sq_set_null(row, (size_t)d->n_declared);
  return d->format == SQ_FORMAT_JSON ? decode_json(d, text, len, row, arena, err, err_size)
                                     : decode_csv(d, text, len, row, arena, err, err_size);
}
