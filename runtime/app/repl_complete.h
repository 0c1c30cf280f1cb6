/* Tab completion for `streamq repl`: keywords (grammar/keywords.h), the
 * session's objects and their columns, and topic names. Topic names come
 * from a cache a background thread refreshes every few seconds: a
 * completion never waits for a broker. */
#ifndef SQ_REPL_COMPLETE_H
#define SQ_REPL_COMPLETE_H

#include "runtime/app/session.h"
#include "runtime/connectors/kafka/client.h"

/* Starts the topic cache thread and installs the completer for `session`
 * (borrowed until sq_repl_complete_stop). False when it cannot start. */
bool sq_repl_complete_start(sq_session_t *session);
/* The Kafka settings the cache lists topics with (copied; NULL: none). */
void sq_repl_complete_brokers(const sq_kafka_settings_t *kafka);
/* Stops and joins the thread, frees the cache. */
void sq_repl_complete_stop(void);

#endif
