/* Diagnostics and the line map behind them. The line map is an array of
 * line-start offsets built once per source, so turning an offset into a
 * line and column is a binary search (as in jq's locfile.c). */
#include "grammar/diag.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct sq_sql {
  char *name;
  const char *text;
  size_t len;
  uint32_t *line_starts;
  size_t n_lines;
};

sq_sql_t *sq_sql_new(const char *name, const char *text, size_t len) {
  sq_sql_t *src = calloc(1, sizeof *src);
  if (!src) return NULL;
  src->name = strdup(name);
  src->text = text;
  src->len = len;
  size_t n = 1;
  for (size_t i = 0; i < len; i++)
    if (text[i] == '\n') n++;
  src->line_starts = malloc(n * sizeof *src->line_starts);
  if (!src->name || !src->line_starts) {
    sq_sql_destroy(src);
    return NULL;
  }
  src->line_starts[0] = 0;
  src->n_lines = 1;
  for (size_t i = 0; i < len; i++)
    if (text[i] == '\n') src->line_starts[src->n_lines++] = (uint32_t)(i + 1);
  return src;
}

void sq_sql_destroy(sq_sql_t *src) {
  if (!src) return;
  free(src->name);
  free(src->line_starts);
  free(src);
}

const char *sq_sql_name(const sq_sql_t *src) { return src->name; }
const char *sq_sql_text(const sq_sql_t *src) { return src->text; }
size_t sq_sql_len(const sq_sql_t *src) { return src->len; }

/* Index of the line holding `offset`. */
static size_t line_index(const sq_sql_t *src, uint32_t offset) {
  size_t lo = 0, hi = src->n_lines;
  while (hi - lo > 1) {
    size_t mid = lo + (hi - lo) / 2;
    if (src->line_starts[mid] <= offset) lo = mid;
    else hi = mid;
  }
  return lo;
}

void sq_sql_position(const sq_sql_t *src, uint32_t offset, uint32_t *line, uint32_t *col) {
  if (offset > src->len) offset = (uint32_t)src->len;
  size_t li = line_index(src, offset);
  *line = (uint32_t)li + 1;
  *col = offset - src->line_starts[li] + 1;
}

typedef struct sq_diag_entry {
  sq_span_t span;
  char *message;
  bool warning;
} sq_diag_entry_t;

/* Errors kept for printing: enough to print the first SQ_DIAG_MAX_PRINTED
 * in source order (errors are recorded roughly in order); the rest are
 * only counted, so a binary file costs no memory per byte. */
#define KEEP_ERRORS 1000

struct sq_diag {
  const sq_sql_t *src;
  sq_diag_entry_t *v;
  size_t n, cap;
  size_t n_errors; /* kept in v */
  size_t n_lost;   /* errors dropped because memory ran out */
  size_t n_unkept; /* errors beyond KEEP_ERRORS, counted only */
};

sq_diag_t *sq_diag_new(const sq_sql_t *src) {
  sq_diag_t *d = calloc(1, sizeof *d);
  if (d) d->src = src;
  return d;
}

void sq_diag_destroy(sq_diag_t *d) {
  if (!d) return;
  for (size_t i = 0; i < d->n; i++) free(d->v[i].message);
  free(d->v);
  free(d);
}

/* A malloc'd copy of the formatted message, or NULL. */
static char *format_message(const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n < 0) return NULL;
  char *msg = malloc((size_t)n + 1);
  if (msg) vsnprintf(msg, (size_t)n + 1, fmt, ap);
  return msg;
}

static void record(sq_diag_t *d, sq_span_t span, bool warning, const char *fmt, va_list ap) {
  if (!warning && d->n_errors >= KEEP_ERRORS) {
    d->n_unkept++;
    return;
  }
  if (d->n == d->cap) {
    size_t cap = d->cap ? d->cap * 2 : 8;
    sq_diag_entry_t *v = realloc(d->v, cap * sizeof *v);
    if (!v) {
      d->n_lost += !warning;
      return;
    }
    d->v = v;
    d->cap = cap;
  }
  char *msg = format_message(fmt, ap);
  if (!msg) {
    d->n_lost += !warning;
    return;
  }
  d->v[d->n++] = (sq_diag_entry_t){span, msg, warning};
  d->n_errors += !warning;
}

void sq_diag_verror(sq_diag_t *d, sq_span_t span, const char *fmt, va_list ap) { record(d, span, false, fmt, ap); }

void sq_diag_error(sq_diag_t *d, sq_span_t span, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  record(d, span, false, fmt, ap);
  va_end(ap);
}

void sq_diag_warning(sq_diag_t *d, sq_span_t span, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  record(d, span, true, fmt, ap);
  va_end(ap);
}

size_t sq_diag_count(const sq_diag_t *d) { return d->n_errors + d->n_unkept + d->n_lost; }
const sq_sql_t *sq_diag_source(const sq_diag_t *d) { return d->src; }
const char *sq_diag_message(const sq_diag_t *d, size_t i) { return d->v[i].message; }
sq_span_t sq_diag_span(const sq_diag_t *d, size_t i) { return d->v[i].span; }

/* The source line holding `offset`, then a caret line under [start, end)
 * clipped to that line. Tabs in the source are repeated in the caret line
 * so the caret lines up in a terminal. */
static void print_excerpt(const sq_sql_t *src, sq_span_t span, FILE *out) {
  size_t li = line_index(src, span.start);
  uint32_t bol = src->line_starts[li];
  uint32_t eol = bol;
  while (eol < src->len && src->text[eol] != '\n' && src->text[eol] != '\r') eol++;
  fprintf(out, "%.*s\n", (int)(eol - bol), src->text + bol);
  uint32_t start = span.start > eol ? eol : span.start;
  uint32_t end = span.end > eol ? eol : span.end;
  for (uint32_t i = bol; i < start; i++) fputc(src->text[i] == '\t' ? '\t' : ' ', out);
  fputc('^', out);
  for (uint32_t i = start + 1; i < end; i++) fputc('~', out);
  fputc('\n', out);
}

static int compare_entries(const void *a, const void *b) {
  const sq_diag_entry_t *x = *(sq_diag_entry_t *const *)a, *y = *(sq_diag_entry_t *const *)b;
  if (x->span.start != y->span.start) return x->span.start < y->span.start ? -1 : 1;
  return x < y ? -1 : (x > y); /* stable: keep recording order for ties */
}

void sq_diag_print(const sq_diag_t *d, FILE *out) {
  const sq_diag_entry_t **order = malloc(d->n * sizeof *order + 1);
  if (order) {
    for (size_t i = 0; i < d->n; i++) order[i] = &d->v[i];
    qsort(order, d->n, sizeof *order, compare_entries);
  }
  size_t printed = 0;
  for (size_t i = 0; i < d->n; i++) {
    const sq_diag_entry_t *e = order ? order[i] : &d->v[i];
    if (!e->warning && printed++ >= SQ_DIAG_MAX_PRINTED) continue;
    uint32_t line, col;
    sq_sql_position(d->src, e->span.start, &line, &col);
    fprintf(out, "%s:%u:%u: %s: %s\n", sq_sql_name(d->src), line, col, e->warning ? "warning" : "error", e->message);
    print_excerpt(d->src, e->span, out);
  }
  size_t more = printed > SQ_DIAG_MAX_PRINTED ? printed - SQ_DIAG_MAX_PRINTED : 0;
  more += d->n_unkept;
  if (more) fprintf(out, "%s: ... and %zu more error%s\n", sq_sql_name(d->src), more, more == 1 ? "" : "s");
  if (d->n_lost) fprintf(out, "%s: error: out of memory; %zu more errors not shown\n", sq_sql_name(d->src), d->n_lost);
  free(order);
}
