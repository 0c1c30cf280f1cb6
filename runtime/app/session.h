/* An ad-hoc session (LANGUAGE.md §1): the statements of `streamq query`
 * or typed at `streamq repl`. It keeps the CREATEs, SETs and UNSETs typed
 * so far as text, and analyzes each new statement after them, so a name
 * is known from the statement that defines it on; an error points at the
 * statement just typed. A FROM naming no object but a topic reads that
 * topic with the schema DESCRIBE TOPIC infers. */
#ifndef SQ_SESSION_H
#define SQ_SESSION_H

#include <signal.h>
#include <stdbool.h>

#include "runtime/app/result_printer.h"

typedef struct sq_session sq_session_t;

typedef struct sq_session_options {
  const char *brokers;         /* --brokers (borrowed), or NULL */
  bool embedded_broker;        /* run a development broker in the process */
  sq_output_format_t format;   /* unless SET 'output.format' says otherwise */
  const char *command;         /* "query" or "repl", for messages */
  bool chatty;                 /* a person is watching: confirm CREATEs and SETs on stderr */
} sq_session_options_t;

/* NULL with `err`. `stop` (borrowed) is set by the caller's Ctrl-C
 * handler; a running statement stops soon after, and the session clears
 * it when the statement is over. */
sq_session_t *sq_session_new(const sq_session_options_t *options, volatile sig_atomic_t *stop, char *err, size_t err_size);
void sq_session_destroy(sq_session_t *s);

/* Runs the statements of `text` (`len` bytes) in order; `name` names it in diagnostics
 * (`<query>`, a file). Returns 0, 1 after the diagnostics of an invalid
 * statement (the rest are not run), or 2 after a runtime failure. */
int sq_session_run(sq_session_t *s, const char *name, const char *text, size_t len);

/* The session's objects and their columns, for completion: `fn` is called
 * with each name (borrowed for the call). */
void sq_session_names(sq_session_t *s, void (*fn)(void *ctx, const char *name), void *ctx);
/* The Kafka settings in force, (re)loaded from the session's SETs; NULL
 * with `err` (no brokers configured, an unset ${NAME}). Borrowed until the
 * next call. */
const struct sq_kafka_settings *sq_session_kafka(sq_session_t *s, char *err, size_t err_size);

#endif
