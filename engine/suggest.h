/* "Did you mean ...?": the closest known name to a misspelled one. */
#ifndef SQ_SUGGEST_H
#define SQ_SUGGEST_H

#include <stddef.h>

#include "engine/dialect.h"
#include "grammar/diag.h"

/* Accumulates candidates for one misspelled word. */
typedef struct sq_suggest {
  const char *word;
  const char *best;   /* borrowed from the candidates */
  size_t best_distance;
  const sq_dialect_name_t *dialect; /* replaces the did-you-mean; borrowed */
} sq_suggest_t;

void sq_suggest_init(sq_suggest_t *s, const char *word);
void sq_suggest_offer(sq_suggest_t *s, const char *candidate);
/* The closest candidate if it is close enough to be a likely typo
 * (edit distance at most a third of the word, at least 1), else NULL. */
const char *sq_suggest_best(const sq_suggest_t *s);

/* Makes the report give the hint of `d`, a name of another SQL dialect,
 * instead of a did-you-mean: its note, else "streamq calls it 'X'". */
void sq_suggest_dialect(sq_suggest_t *s, const sq_dialect_name_t *d);

/* Reports the formatted message at `span`, followed by the dialect hint
 * if one was given, else "; did you mean 'X'?" when `s` has a close
 * enough candidate. */
void sq_suggest_report(const sq_suggest_t *s, sq_diag_t *diag, sq_span_t span, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
