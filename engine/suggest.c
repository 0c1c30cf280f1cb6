/* Typo suggestions by case-insensitive Damerau-Levenshtein distance
 * (optimal string alignment), so a transposition like 'amuont' counts as
 * one edit. Names here are short; the quadratic table is fine. */
#include "engine/suggest.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum { MAX_WORD = 64 };

static size_t distance(const char *a, const char *b) {
  size_t n = strlen(a), m = strlen(b);
  if (n >= MAX_WORD || m >= MAX_WORD) return (size_t)-1;
  size_t d[MAX_WORD + 1][MAX_WORD + 1];
  for (size_t i = 0; i <= n; i++) d[i][0] = i;
  for (size_t j = 0; j <= m; j++) d[0][j] = j;
  for (size_t i = 1; i <= n; i++) {
    for (size_t j = 1; j <= m; j++) {
      int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
      size_t best = d[i - 1][j - 1] + (ca != cb);
      if (d[i - 1][j] + 1 < best) best = d[i - 1][j] + 1;
      if (d[i][j - 1] + 1 < best) best = d[i][j - 1] + 1;
      if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) && tolower((unsigned char)a[i - 2]) == cb &&
          d[i - 2][j - 2] + 1 < best)
        best = d[i - 2][j - 2] + 1;
      d[i][j] = best;
    }
  }
  return d[n][m];
}

void sq_suggest_init(sq_suggest_t *s, const char *word) {
  s->word = word;
  s->best = NULL;
  s->best_distance = (size_t)-1;
  s->dialect = NULL;
}

void sq_suggest_dialect(sq_suggest_t *s, const sq_dialect_name_t *d) { s->dialect = d; }

void sq_suggest_offer(sq_suggest_t *s, const char *candidate) {
  size_t dist = distance(s->word, candidate);
  if (dist < s->best_distance) {
    s->best = candidate;
    s->best_distance = dist;
  }
}

const char *sq_suggest_best(const sq_suggest_t *s) {
  size_t limit = strlen(s->word) / 3;
  if (limit < 1) limit = 1;
  return s->best && s->best_distance <= limit ? s->best : NULL;
}

void sq_suggest_report(const sq_suggest_t *s, sq_diag_t *diag, sq_span_t span, const char *fmt, ...) {
  char message[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(message, sizeof message, fmt, ap);
  va_end(ap);
  const sq_dialect_name_t *d = s->dialect;
  const char *best = sq_suggest_best(s);
  if (d && d->note) sq_diag_error(diag, span, "%s; %s", message, d->note);
  else if (d) sq_diag_error(diag, span, "%s; streamq calls it '%s'", message, d->streamq);
  else if (best) sq_diag_error(diag, span, "%s; did you mean '%s'?", message, best);
  else sq_diag_error(diag, span, "%s", message);
}
