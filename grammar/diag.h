/* Diagnostics: errors and warnings tied to a byte span of a source text,
 * rendered as `FILE:LINE:COL: error: MESSAGE`, the source line, and a `^~~~`
 * caret line under the offending token (LANGUAGE.md §6). A sq_diag_t
 * collects every error of one run so that all of them are reported, in
 * source order. */
#ifndef SQ_DIAG_H
#define SQ_DIAG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* A half-open byte range [start, end) of the source text. */
typedef struct sq_span {
  uint32_t start;
  uint32_t end;
} sq_span_t;

/* A piece of SQL text (a pipeline file, a --set, a typed statement) with
 * its name and line map. The text is borrowed: the caller keeps it alive
 * as long as the sq_sql_t is used. ("Source" names data sources only.) */
typedef struct sq_sql sq_sql_t;

/* Returns NULL on allocation failure. `name` is copied; `text` is borrowed. */
sq_sql_t *sq_sql_new(const char *name, const char *text, size_t len);
void sq_sql_destroy(sq_sql_t *src);
const char *sq_sql_name(const sq_sql_t *src);
const char *sq_sql_text(const sq_sql_t *src);
size_t sq_sql_len(const sq_sql_t *src);
/* 1-based line and column (in bytes) of a byte offset. */
void sq_sql_position(const sq_sql_t *src, uint32_t offset, uint32_t *line, uint32_t *col);

typedef struct sq_diag sq_diag_t;

/* Collects diagnostics for `src` (borrowed). Returns NULL on allocation failure. */
sq_diag_t *sq_diag_new(const sq_sql_t *src);
void sq_diag_destroy(sq_diag_t *d);

/* Records an error at `span`; the message is formatted and copied. */
void sq_diag_error(sq_diag_t *d, sq_span_t span, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void sq_diag_verror(sq_diag_t *d, sq_span_t span, const char *fmt, va_list ap);
/* Records a warning: printed like an error, but the pipeline is valid. */
void sq_diag_warning(sq_diag_t *d, sq_span_t span, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The number of errors (warnings are not counted). */
size_t sq_diag_count(const sq_diag_t *d);
const sq_sql_t *sq_diag_source(const sq_diag_t *d);
/* The i-th diagnostic's message and span, in the order they were
 * recorded (i below the number kept: errors first seen, and warnings). */
const char *sq_diag_message(const sq_diag_t *d, size_t i);
sq_span_t sq_diag_span(const sq_diag_t *d, size_t i);

/* At most this many errors are printed (a binary file given as a pipeline
 * would give one per byte); a last line says how many more there were. */
#define SQ_DIAG_MAX_PRINTED 100

/* Writes the diagnostics sorted by position (stable) in the §6 format:
 * `FILE:LINE:COL: error: MESSAGE` (or `warning:`), then the line and a
 * caret; at most SQ_DIAG_MAX_PRINTED errors, then `... and N more errors`. */
void sq_diag_print(const sq_diag_t *d, FILE *out);

#endif
