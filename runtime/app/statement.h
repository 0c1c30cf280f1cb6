/* What one ad-hoc statement runs with (streamq query, streamq repl): the
 * analyzed session program it belongs to, where its output goes, and how
 * it is cancelled. Each kind of statement is run by one file:
 * adhoc_query.c (SELECT, INSERT, EXPLAIN [ANALYZE]), show_catalog.c
 * (SHOW SOURCES/..., DESCRIBE name) and show_topics.c (SHOW TOPICS,
 * DESCRIBE TOPIC, PRINT). Each returns an exit status (0, or 2 after
 * printing why). */
#ifndef SQ_STATEMENT_H
#define SQ_STATEMENT_H

#include <signal.h>
#include <stdio.h>

#include "engine/analyze.h"
#include "runtime/app/result_printer.h"
#include "runtime/connectors/kafka/client.h"

typedef struct sq_statement_ctx {
  const sq_program_t *prog;     /* the session's statements so far, then this one */
  const sq_ast_t *stmt;         /* this one (in prog's script) */
  const sq_query_t *query;      /* its query, for SELECT, INSERT and EXPLAIN; else NULL */
  const sq_kafka_settings_t *kafka;
  sq_output_format_t format;
  FILE *out;
  volatile sig_atomic_t *stop;  /* set by Ctrl-C; the statement stops soon after */
  const char *command;          /* "query" or "repl", for messages */
} sq_statement_ctx_t;

int sq_run_adhoc_query(const sq_statement_ctx_t *c);
int sq_run_show_catalog(const sq_statement_ctx_t *c);
int sq_run_show_topics(const sq_statement_ctx_t *c);

/* DESCRIBE TOPIC's schema inference, also used for a topic queried without
 * a CREATE SOURCE: the CREATE SOURCE for `topic` named `name` (appended to
 * `out`) from up to `sample` records spread over its partitions, skipping
 * records that do not fit (counted, and reported at the end). False with
 * `err` (no such topic, nothing to infer from, a broker down). */
bool sq_infer_topic_source(const sq_kafka_settings_t *kafka, const char *topic, const char *name, int64_t sample,
                           volatile sig_atomic_t *stop, sq_buf_t *out, char *err, size_t err_size);

#endif
