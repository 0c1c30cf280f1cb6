/* State changelogs (docs/ARCHITECTURE.md §8): a compacted Kafka topic with
 * one partition per task, written at every checkpoint and read back to
 * restore a task's state into the state database on another process. It
 * moves opaque state keys, values and marker blobs; what they mean is the
 * engine's. A task's checkpoint is its changes then ONE marker record in
 * its partition; records after a partition's last marker were never
 * vouched for (their writer died) and are never applied. */
#ifndef SQ_KAFKA_CHANGELOG_H
#define SQ_KAFKA_CHANGELOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/storage.h"
#include "runtime/connectors/kafka/client.h"

typedef struct sq_changelog sq_changelog_t;

/* Opens changelog `topic` with an idempotent producer (acks=all, no message
 * timeout, gapless: a record lost before a marker stops the producer
 * instead of being vouched for). A missing topic is created with the Admin
 * API (`partitions` partitions, cleanup.policy=compact, and a compaction
 * lag that keeps an abandoned tail from compacting away the records it
 * shadows before a restore repairs it); an existing one must have
 * `partitions` partitions, else the error names both counts. The embedded
 * broker (librdkafka 2.0's mock cluster) has no CreateTopics and makes any
 * topic a client asks about, with 4 partitions: create the topic when
 * starting it (`streamq broker --topic T --partitions N`, the test
 * broker's `topic T N`). It also never compacts, and keeps about 5 MiB per
 * partition: older records go, and a restore from before them fails as
 * history gone. `kafka` is borrowed and must outlive the changelog. NULL
 * with `err`. */
sq_changelog_t *sq_changelog_open(const sq_kafka_settings_t *kafka, const char *topic, uint32_t partitions, char *err,
                                  size_t err_size);
/* Closes without waiting for unacknowledged records (flush first to keep
 * them; a record lost this way only leaves an abandoned tail). NULL is a
 * no-op. */
void sq_changelog_close(sq_changelog_t *cl);

/* ---- writing: from one thread at a time (the checkpoint writer) ------------
 * Records are queued for sending and copied; each call may wait for room
 * in the queue. False with `err` (a partition out of range, a record
 * larger than Kafka takes, the queue full for a minute, a fatal producer
 * error: then every later call fails, close and open again). */

/* A state change: `value` (may be empty) under `key`, or with `value`
 * NULL the key's deletion. */
bool sq_changelog_put(sq_changelog_t *cl, uint32_t partition, const void *key, size_t klen, const void *value, size_t vlen,
                      char *err, size_t err_size);
/* The deletion of every state key starting with `prefix` (not empty). */
bool sq_changelog_delete_range(sq_changelog_t *cl, uint32_t partition, const void *prefix, size_t len, char *err,
                               size_t err_size);
/* Closes the checkpoint's records of `partition`: (writer_id, seq) must
 * name this marker alone among all of the topic's markers (a writer's own
 * 64 random bits and its checkpoint number); `blob` (may be empty) comes
 * back from a restore that applies this checkpoint. */
bool sq_changelog_mark(sq_changelog_t *cl, uint32_t partition, uint64_t writer_id, uint64_t seq, const void *blob, size_t len,
                       char *err, size_t err_size);
/* Waits (at most a minute) until every record queued so far is
 * acknowledged. False with `err` if one failed or is still waiting: the
 * checkpoint fails, and the next one must carry its changes again (its
 * records may still arrive, closed by a later marker). Unless NULL,
 * marker_offsets[p] (for each of the `partitions` partitions) is set to
 * the offset of the last marker acknowledged for p since open (-1: none),
 * a restore's `from` for the state as of that marker. */
bool sq_changelog_flush(sq_changelog_t *cl, int64_t *marker_offsets, char *err, size_t err_size);

/* ---- restoring one task: from any thread, a restore's calls from one at a
 * time; restores of different partitions and the writer may run at once ---- */
typedef struct sq_changelog_restore sq_changelog_restore_t;

/* Starts reading `partition` from offset `from` (-1: the earliest) up to
 * its end now, with a consumer of its own outside any group. With
 * `writer_id` and `seq` (both or neither), the database already holds the
 * state as of that marker, the first marker at or after `from`: records up
 * to it are skipped. Without, everything read is applied (clear the task's
 * keys from the database first). `from` below the partition's earliest
 * offset (history gone) is an error naming the topic, partition and both
 * offsets: restore the task in full instead. NULL with `err`; free with
 * sq_changelog_restore_free. */
sq_changelog_restore_t *sq_changelog_restore_start(sq_changelog_t *cl, uint32_t partition, int64_t from, const uint64_t *writer_id,
                                                   const uint64_t *seq, char *err, size_t err_size);
/* Reads up to `max` more records, waiting at most 10 ms for some, so the
 * caller keeps polling its group consumer between steps. A checkpoint's
 * records are held until its marker, then written to `db` as one unsynced
 * batch (a range deletion deletes every key under its prefix). At the end
 * the records after the last marker (abandoned) are repaired: each key
 * they touch (and each key under a range they delete) is written again
 * with its value in `db` (or deleted), closed by a marker with the last
 * applied blob, and flushed, so that on a compacted topic the newest
 * record of every key is one a marker vouches for. Then a synced write.
 * Returns 1 (more to do), 0 (done: `db` holds the task's state as of the
 * last marker) or -1 with `err` (the skip marker not where it should be:
 * restore in full; a corrupt record; a failed write or repair; the start
 * offset gone). A broker outage only makes steps return 1 without
 * progress. Until 0 the task's keys in `db` are partly restored. */
int sq_changelog_restore_step(sq_changelog_restore_t *r, sq_storage_t *db, uint32_t max, char *err, size_t err_size);
/* After 0: the blob of the last marker applied, else the skip marker's;
 * NULL and *len 0 when it is empty or there is no marker (no checkpoint).
 * Owned by the restore. */
const void *sq_changelog_restore_blob(const sq_changelog_restore_t *r, size_t *len);
/* After 0: the identity of that marker (a repair's own when there was an
 * abandoned tail, carrying the same blob); false when there is none. */
bool sq_changelog_restore_marker(const sq_changelog_restore_t *r, uint64_t *writer_id, uint64_t *seq);
/* After 0: that marker's offset, the next restore's `from` (-1: none). */
int64_t sq_changelog_restore_marker_offset(const sq_changelog_restore_t *r);
/* State records written to the database so far. */
uint64_t sq_changelog_restore_applied(const sq_changelog_restore_t *r);
/* Offsets still to read (streamq_restore_records_remaining; compaction
 * leaves holes, so an upper bound), also while under way. */
int64_t sq_changelog_restore_remaining(const sq_changelog_restore_t *r);
/* NULL is a no-op. */
void sq_changelog_restore_free(sq_changelog_restore_t *r);

#endif
