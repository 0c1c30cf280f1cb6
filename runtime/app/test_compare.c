/* The comparison. Rows are put in canonical form (test_json.h), where
 * equal values are equal strings, then sorted and merged: what only the
 * expectation has is missing, what only the output has is unexpected.
 * Each missing row is shown next to the unexpected row that shares the
 * most columns with it, naming the columns that differ, which is usually
 * the one thing a reader wants to know. */
#include "runtime/app/test_compare.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/json.h"
#include "runtime/app/test_json.h"

#define SHOWN 20 /* rows listed per kind of difference */

static int by_text(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The value of member i of a canonical object and its key, as text. */
typedef struct column {
  const char *key, *value;
  int key_len, value_len;
} column_t;

/* The columns of canonical row `text` (at most `cap`); their number. */
static int columns(const char *text, sq_json_t *j, column_t *out, int cap) {
  if (!sq_json_parse(j, text, strlen(text)) || j->tokens[0].kind != SQ_JSON_OBJECT) return 0;
  int n = 0;
  for (int k = 0, at = 1; k < j->tokens[0].size && n < cap; k++, at = sq_json_skip(j, at + 1), n++) {
    const sq_json_token_t *key = &j->tokens[at], *v = &j->tokens[at + 1];
    bool quoted = v->kind == SQ_JSON_STRING;
    out[n] = (column_t){text + key->start, text + v->start - quoted, key->end - key->start, v->end - v->start + 2 * quoted};
  }
  return n;
}

#define MAX_COLUMNS 256

/* How many columns rows a and b share (same name, same value). */
static int shared(const column_t *a, int na, const column_t *b, int nb) {
  int same = 0;
  for (int i = 0; i < na; i++)
    for (int k = 0; k < nb; k++)
      if (a[i].key_len == b[k].key_len && memcmp(a[i].key, b[k].key, (size_t)a[i].key_len) == 0) {
        same += a[i].value_len == b[k].value_len && memcmp(a[i].value, b[k].value, (size_t)a[i].value_len) == 0;
        break;
      }
  return same;
}

/* "col: expected X, got Y" for each column that differs. */
static void differing(sq_buf_t *out, const column_t *a, int na, const column_t *b, int nb) {
  char line[1200];
  for (int i = 0; i < na; i++) {
    int k = 0;
    while (k < nb && !(a[i].key_len == b[k].key_len && memcmp(a[i].key, b[k].key, (size_t)a[i].key_len) == 0)) k++;
    if (k < nb && a[i].value_len == b[k].value_len && memcmp(a[i].value, b[k].value, (size_t)a[i].value_len) == 0) continue;
    if (k < nb)
      snprintf(line, sizeof line, "          ^ %.*s: expected %.*s, got %.*s\n", a[i].key_len, a[i].key, a[i].value_len, a[i].value,
               b[k].value_len, b[k].value);
    else snprintf(line, sizeof line, "          ^ %.*s: expected %.*s, missing\n", a[i].key_len, a[i].key, a[i].value_len, a[i].value);
    sq_buf_puts(out, line);
  }
  for (int k = 0; k < nb; k++) {
    int i = 0;
    while (i < na && !(a[i].key_len == b[k].key_len && memcmp(a[i].key, b[k].key, (size_t)a[i].key_len) == 0)) i++;
    if (i == na) {
      snprintf(line, sizeof line, "          ^ %.*s: not expected, got %.*s\n", b[k].key_len, b[k].key, b[k].value_len, b[k].value);
      sq_buf_puts(out, line);
    }
  }
}

static void row_line(sq_buf_t *out, const char *label, const char *row) {
  sq_buf_puts(out, "    ");
  sq_buf_puts(out, label);
  sq_buf_puts(out, row);
  sq_buf_putc(out, '\n');
}

/* Pairs missing rows with unexpected ones, the pairs sharing the most
 * columns first: pair[m] is an index into unexpected, or n_unexpected. */
static void pair_up(char **missing, size_t n_missing, char **unexpected, size_t n_unexpected, size_t *pair) {
  size_t nm = n_missing < SHOWN ? n_missing : SHOWN, nu = n_unexpected < 10 * SHOWN ? n_unexpected : 10 * SHOWN;
  int *score = calloc(nm * nu + 1, sizeof *score);
  column_t *a = malloc(2 * MAX_COLUMNS * sizeof *a), *b = a ? a + MAX_COLUMNS : NULL;
  sq_json_t ja = {0}, jb = {0};
  for (size_t m = 0; m < n_missing; m++) pair[m] = n_unexpected;
  for (size_t m = 0; score && a && m < nm; m++) {
    int na = columns(missing[m], &ja, a, MAX_COLUMNS);
    for (size_t u = 0; u < nu; u++) score[m * nu + u] = shared(a, na, b, columns(unexpected[u], &jb, b, MAX_COLUMNS));
  }
  for (bool found = score && a; found;) {
    int best = 0;
    size_t bm = 0, bu = 0;
    for (size_t i = 0; i < nm * nu; i++)
      if (score[i] > best) best = score[i], bm = i / nu, bu = i % nu;
    if (!(found = best > 0)) break;
    pair[bm] = bu;
    for (size_t u = 0; u < nu; u++) score[bm * nu + u] = 0;
    for (size_t m = 0; m < nm; m++) score[m * nu + bu] = 0;
  }
  sq_json_free(&ja);
  sq_json_free(&jb);
  free(a);
  free(score);
}

/* Lists missing and unexpected rows, each missing row with its closest
 * unexpected one and the columns that differ. */
static void explain(sq_buf_t *out, char **missing, size_t n_missing, char **unexpected, size_t n_unexpected) {
  size_t *pair = malloc((n_missing + 1) * sizeof *pair);
  bool *paired = calloc(n_unexpected + 1, sizeof *paired);
  column_t *a = malloc(2 * MAX_COLUMNS * sizeof *a), *b = a ? a + MAX_COLUMNS : NULL;
  if (!pair || !paired || !a) {
    sq_buf_puts(out, "    (out of memory listing the rows)\n");
    free(pair), free(paired), free(a);
    return;
  }
  pair_up(missing, n_missing, unexpected, n_unexpected, pair);
  sq_json_t ja = {0}, jb = {0};
  size_t shown = 0, listed = 0; /* lines of rows, and rows (a pair is two) */
  for (size_t m = 0; m < n_missing && shown < SHOWN; m++, shown++, listed++) {
    row_line(out, "missing     ", missing[m]);
    if (pair[m] == n_unexpected) continue;
    paired[pair[m]] = true;
    listed++;
    row_line(out, "  closest   ", unexpected[pair[m]]);
    int na = columns(missing[m], &ja, a, MAX_COLUMNS), nb = columns(unexpected[pair[m]], &jb, b, MAX_COLUMNS);
    differing(out, a, na, b, nb);
  }
  for (size_t u = 0; u < n_unexpected && shown < SHOWN; u++)
    if (!paired[u]) row_line(out, "unexpected  ", unexpected[u]), shown++, listed++;
  if (n_missing + n_unexpected > listed) {
    char more[96];
    snprintf(more, sizeof more, "    ... and %zu more rows\n", n_missing + n_unexpected - listed);
    sq_buf_puts(out, more);
  }
  sq_json_free(&ja);
  sq_json_free(&jb);
  free(a);
  free(paired);
  free(pair);
}

/* The canonical form of each line of `actual` (malloc'd), in order. */
static char **canonical_rows(const sq_buf_t *actual, size_t *n) {
  size_t lines = 0;
  for (size_t i = 0; i < actual->len; i++) lines += actual->data[i] == '\n';
  char **rows = calloc(lines + 1, sizeof *rows);
  *n = 0;
  for (size_t at = 0; rows && at < actual->len;) {
    const char *nl = memchr(actual->data + at, '\n', actual->len - at);
    size_t end = (size_t)(nl - actual->data);
    char *row = sq_json_canonical_text(actual->data + at, end - at);
    if (!row) row = strndup(actual->data + at, end - at); /* the encoder writes JSON: not reached */
    rows[(*n)++] = row;
    at = end + 1;
  }
  return rows;
}

bool sq_test_compare(const char *sink, char *const *expected, size_t n_expected, const sq_buf_t *actual, bool ordered,
                     sq_buf_t *diff) {
  size_t n_actual;
  char **got = canonical_rows(actual, &n_actual);
  char **want = malloc((n_expected + 1) * sizeof *want);
  char **missing = malloc((n_expected + 1) * sizeof *missing), **unexpected = malloc((n_actual + 1) * sizeof *unexpected);
  char head[600];
  if (!got || !want || !missing || !unexpected) {
    snprintf(head, sizeof head, "  sink '%s': out of memory comparing rows\n", sink);
    sq_buf_puts(diff, head);
    free(want), free(missing), free(unexpected);
    for (size_t i = 0; got && i < n_actual; i++) free(got[i]);
    free(got);
    return false;
  }
  size_t first_out_of_order = n_actual;
  for (size_t i = 0; ordered && i < n_actual && i < n_expected && first_out_of_order == n_actual; i++)
    if (strcmp(got[i], expected[i]) != 0) first_out_of_order = i;
  char **got_in_order = malloc((n_actual + 1) * sizeof *got_in_order);
  if (got_in_order) memcpy(got_in_order, got, n_actual * sizeof *got);
  if (n_expected) memcpy(want, expected, n_expected * sizeof *want);
  qsort(want, n_expected, sizeof *want, by_text);
  qsort(got, n_actual, sizeof *got, by_text);
  size_t n_missing = 0, n_unexpected = 0;
  for (size_t i = 0, k = 0; i < n_expected || k < n_actual;) {
    int c = i == n_expected ? 1 : k == n_actual ? -1 : strcmp(want[i], got[k]);
    if (c < 0) missing[n_missing++] = want[i++];
    else if (c > 0) unexpected[n_unexpected++] = got[k++];
    else i++, k++;
  }
  bool equal = n_missing == 0 && n_unexpected == 0;
  if (!equal) {
    snprintf(head, sizeof head, "  sink '%s': %zu rows expected, %zu produced; %zu missing, %zu unexpected\n", sink, n_expected, n_actual,
             n_missing, n_unexpected);
    sq_buf_puts(diff, head);
    explain(diff, missing, n_missing, unexpected, n_unexpected);
  } else if (ordered && first_out_of_order < n_actual && got_in_order) {
    equal = false;
    snprintf(head, sizeof head, "  sink '%s': the same %zu rows in another order; the first difference is row %zu:\n", sink, n_actual,
             first_out_of_order + 1);
    sq_buf_puts(diff, head);
    row_line(diff, "expected    ", expected[first_out_of_order]);
    row_line(diff, "got         ", got_in_order[first_out_of_order]);
  }
  for (size_t i = 0; i < n_actual; i++) free(got[i]);
  free(got);
  free(got_in_order);
  free(want);
  free(missing);
  free(unexpected);
  return equal;
}
