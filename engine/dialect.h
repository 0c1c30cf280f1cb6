/* Names that ksqlDB and Flink SQL users bring along: WITH options,
 * connector names and pseudo columns, each with what streamq calls it (or
 * what to do where streamq has no counterpart), so that an "unknown ..."
 * error can say more than "did you mean". */
#ifndef SQ_DIALECT_H
#define SQ_DIALECT_H

typedef struct sq_dialect_name {
  const char *name;    /* as ksqlDB or Flink SQL writes it, lower case */
  const char *streamq; /* streamq's name for it, or NULL when it has none */
  const char *note;    /* the hint to give instead of "streamq calls it ...", or NULL */
} sq_dialect_name_t;

/* The entry for `name` (compared without regard to case), or NULL. The
 * returned entry is static. */
const sq_dialect_name_t *sq_dialect_option(const char *name);
const sq_dialect_name_t *sq_dialect_connector(const char *name);
const sq_dialect_name_t *sq_dialect_column(const char *name);

#endif
