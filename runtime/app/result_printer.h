/* How ad-hoc results reach the analyst (streamq query, streamq repl): a
 * sink that prints rows as they are produced, as an aligned table (widths
 * from the first rows, long values cut with …, a row cap with a note of
 * what was left out), JSON lines or CSV. The rows of a continuously
 * updated aggregate (EMIT CHANGES) get a leading `op` column: +I for a
 * key's first row, +U for an update of it. */
#ifndef SQ_RESULT_PRINTER_H
#define SQ_RESULT_PRINTER_H

#include <signal.h>
#include <stdio.h>

#include "engine/sink.h"

typedef enum sq_output_format { SQ_OUTPUT_TABLE, SQ_OUTPUT_JSON, SQ_OUTPUT_CSV } sq_output_format_t;
/* "table", "json" or "csv" into *out; false for anything else. */
bool sq_output_format_parse(const char *text, sq_output_format_t *out);

typedef struct sq_print_options {
  sq_output_format_t format;
  int64_t max_rows;              /* table rows printed before the rest are only counted; 0: all */
  int64_t limit;                 /* after this many rows *stop is set to SQ_STOP_LIMIT; 0: none */
  volatile sig_atomic_t *stop;   /* may be NULL without a limit */
  const bool *changelog_key;     /* EMIT CHANGES aggregates: the key columns (copied); NULL otherwise */
} sq_print_options_t;

/* Why a running ad-hoc statement stopped early. */
enum { SQ_STOP_CANCEL = 1, SQ_STOP_LIMIT = 2 };

/* A printer to `out` (borrowed) for rows of the schema it is first given.
 * NULL when memory runs out. Free with the sink's destroy. */
sq_sink_t *sq_result_printer_new(FILE *out, const sq_print_options_t *options, size_t n_columns);
/* Prints what is still held and, for a table, the "N more rows" note and
 * the row count. `schema` is the rows' schema (for the header of an empty
 * table). */
void sq_result_printer_finish(sq_sink_t *printer, const sq_relation_t *schema);
/* Rows written to the printer so far. */
uint64_t sq_result_printer_rows(const sq_sink_t *printer);

/* A result whose columns are known up front (SHOW, DESCRIBE, PRINT):
 * begin with the columns, a row at a time, end (which prints what is
 * held and frees everything). False when memory runs out or output
 * fails, with `err`. */
typedef struct sq_result {
  sq_relation_t *schema;
  sq_sink_t *printer;
  char err[256];
} sq_result_t;
bool sq_result_begin(sq_result_t *r, FILE *out, const sq_print_options_t *options, const char *const *names,
                     const sq_type_t *types, size_t n);
bool sq_result_row(sq_result_t *r, const sq_value_t *row);
/* Shows the rows held so far (a live result between waits). */
bool sq_result_flush(sq_result_t *r);
void sq_result_end(sq_result_t *r);

#endif
