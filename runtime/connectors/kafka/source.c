/* The Kafka source: a high-level consumer in the pipeline's consumer group
 * (`group_id`, default "streamq-<pipeline>"), consuming in batches from
 * the consumer queue. Rows point into the messages, which are kept until
 * the next read, when their batch has been processed.
 *
 * Positions come from checkpoints, not from the group: an assigned
 * partition starts at the offset the last checkpoint recorded (or that
 * this run reached), else at `start`. The group's offsets are committed
 * after each checkpoint so that lag tools see progress, each with this
 * process's commit note (commit_note.h) for `streamq status`. The
 * exception is a source without partitioned_by in a pipeline running as
 * tasks (`from_group`: stage 1 of a repartition): its partitions move
 * between processes without state, so each starts at the group's
 * committed offset, which a checkpoint commits only once what was read
 * before it has gone out. Its group is "<group_id>.stage1".
 *
 * A repartition topic's source (`repartitioned`, runtime/kit/origins.h)
 * takes watermark marks in instead of rows and drops rows whose origin
 * offset it has applied already.
 *
 * A pipeline that keeps state in one process (no partitioned_by: the
 * reader is `alone`) must be its group's only member: holding only part
 * of the topic for longer than twice the session timeout (a member killed
 * before this process started has long expired by then) means another
 * process shares the group, and the run stops saying so rather than both
 * computing on parts of the stream.
 *
 * Rebalances are served by the callback below (revoked tasks are
 * checkpointed in it, before the partitions are given up): assigned partitions join
 * the watermark computation (as active, until idle_timeout says
 * otherwise), revoked ones leave it. Event time is the `timestamp` column,
 * else the record's Kafka timestamp, else the read time.
 *
 * In a pipeline running as tasks, a partitioned source other than the
 * leader (rt->task_leader) is a follower: never in the group, it is
 * assigned by the tasks the partitions the leader holds, so that
 * partition p of both sides of a co-partitioned join is read by one
 * process.
 *
 * A TABLE reads every partition of its topic (it is assigned them all,
 * outside the group: each reader of a table needs all of it), from the
 * earliest offset (it is a changelog) or its checkpoint, and is caught up
 * once every partition has been read to the end offset it had at start; a tombstone (a record without a value) becomes a row with
 * only the primary key, taken from the record key, which deletes it.
 *
 * An ad-hoc query (runtime read mode BOUNDED or LIVE) reads like a table:
 * every partition assigned, outside the group (its group.id is never
 * joined), nothing committed, so a running pipeline is never disturbed.
 * BOUNDED starts at the beginning and ends once every partition has
 * reached the end offset it had at start; LIVE starts at the end, or at
 * the beginning with SET 'start' = 'earliest'. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/kit/clock.h"
#include "engine/format.h"
#include "runtime/kit/log.h"
#include "runtime/kit/options.h"
#include "runtime/connectors/kafka/commit_note.h"
#include "runtime/connectors/kafka/group_state.h"
#include "runtime/connectors/kafka/kafka.h"
#include "runtime/connectors/kafka/resumes.h"
#include "runtime/kit/origins.h"
#include "runtime/kit/reader.h"
#include "runtime/kit/runtime.h"

typedef struct sq_reader_kafka {
  sq_reader_t base;
  rd_kafka_t *consumer;
  rd_kafka_topic_t *topic_handle; /* known before assignment: see open */
  rd_kafka_queue_t *queue;
  rd_kafka_t *dlq_producer;
  char *topic;
  sq_decoder_t *decoder;
  rd_kafka_message_t *held[SQ_BATCH_ROWS];
  size_t n_held;
  int key_col, topic_col, partition_col, offset_col, timestamp_col;
  int64_t lag_noted_ms;
  bool quiet, from_latest;
  int pk_col;              /* a table's primary key column, else -1 */
  bool assign_all;         /* a table or an ad-hoc query: every partition, outside the group */
  bool bounded;            /* ends at the end offsets of the start */
  int64_t *low, *high;     /* assign_all: each partition's offsets at start */
  uint32_t n_bounds;
  bool all_assigned;
  int64_t shared_since;     /* alone: since when it holds only part of the topic (0: all of it, or no rebalance yet) */
  bool rebalanced;
  bool closing;             /* the consumer is closing: a rebalance no longer touches the partition table */
  bool cooperative;         /* the group's rebalance protocol, as last known */
  bool steady;              /* its group is not rebalancing, by the last statistics (group_state.h) */
  bool in_rebalance;        /* in the rebalance callback, where commits are safe (a revoked task's) */
  bool follower;            /* assigned by the tasks (see the top) */
  bool from_group;          /* starts at the group's committed offsets (see the top) */
  int origin_partition_col, origin_offset_col; /* a repartition topic's (base.marked) */
  int origin_index_col;                         /* -1: not pre-aggregated, every index 0 */
  rd_kafka_topic_partition_list_t *unnoted; /* assigned, their notes not read yet: paused (resume_from_notes) */
  int64_t unnoted_asked_ms, unnoted_since_ms;
  uint32_t unnoted_asks;    /* asked again since the first refusal: each ask waits longer (ask_again) */
  uint64_t repeats;         /* its rows dropped as repeats */
  sq_kafka_resumes_t resumes; /* paused partitions waiting for a confirmed seek */
  sq_commit_note_t note;      /* this process's, committed with the offsets */
} sq_reader_kafka_t;

/* The longest a partition goes without a commit, so that a note older
 * than a few of these says its process stopped: an idle partition is
 * committed again this often (rarely: a commit during a rebalance costs
 * one more, see kafka_checkpointed). */
#define NOTE_REFRESH_MS 20000

static void log_partitions(const sq_reader_kafka_t *k, const char *event, const rd_kafka_topic_partition_list_t *parts) {
  if (k->quiet) return;
  char list[512];
  size_t n = 0;
  list[0] = '\0';
  for (int i = 0; i < parts->cnt && n < sizeof list - 16; i++)
    n += (size_t)snprintf(list + n, sizeof list - n, "%s%" PRId32, i ? "," : "", parts->elems[i].partition);
  sq_log(event, "source '%s': topic %s partitions %s", k->base.rel->name, k->topic, list);
}

/* Where partition p starts: the checkpointed position, else `start`. A
 * task's partition is sought to its task's position once restored, so
 * it starts at an absolute offset (resumes.h). */
static int64_t start_offset(const sq_reader_kafka_t *k, uint32_t p) {
  if (k->from_group) return RD_KAFKA_OFFSET_STORED; /* auto.offset.reset says where when there is none */
  int64_t next = p < k->base.n_parts ? k->base.parts[p].next_offset : -1;
  if (next >= 0) return next;
  int64_t start = k->from_latest ? RD_KAFKA_OFFSET_END : RD_KAFKA_OFFSET_BEGINNING;
  return k->base.per_partition ? sq_kafka_absolute_offset(k->consumer, k->topic, p, start) : start;
}

/* A pre-aggregating stage 1 (preaggregate.h) takes partitions over at
 * their committed offsets, which are segment starts: their notes say the
 * largest event time before them and an idle cut to make again. Without
 * a note (never committed) it starts from nothing. Read for every stage-1
 * source (one that does not pre-aggregate finds no such note), since the
 * executor tells a reader it pre-aggregates after opening it.
 *
 * Not knowing where the partials were cut, it must not guess: a
 * partition whose note cannot be read (the coordinator is loading, or
 * busy with another rebalance) stays paused, is neither read nor
 * committed (a commit would overwrite the note), and is asked about
 * again every second (ask_again). Waiting is not idleness: its watermark
 * holds the stage's back, as a lagging partition's does. */
#define NOTE_ASK_MS 2000 /* the longest a rebalance callback waits for the notes */

/* Takes the note of `answer` (rd_kafka_committed's, without error):
 * true when it says where a restart starts. */
static bool take_note(sq_reader_kafka_t *k, const rd_kafka_topic_partition_t *answer) {
  uint32_t p = (uint32_t)answer->partition;
  sq_commit_note_t note;
  if (p >= k->base.n_parts || answer->offset < 0 || !sq_commit_note_parse(answer->metadata, answer->metadata_size, &note) || !note.resumes)
    return false;
  k->base.parts[p].preagg.resume_max_ts = note.from_ts;
  k->base.parts[p].preagg.resume_cut = note.cut;
  return true;
}

static void resume_from_notes(sq_reader_kafka_t *k, rd_kafka_topic_partition_list_t *parts, int64_t now) {
  rd_kafka_topic_partition_list_t *asked = rd_kafka_topic_partition_list_copy(parts);
  rd_kafka_resp_err_t e = rd_kafka_committed(k->consumer, asked, NOTE_ASK_MS);
  for (int i = 0; i < asked->cnt; i++) {
    rd_kafka_resp_err_t why = e ? e : asked->elems[i].err;
    if (why) {
      if (!k->unnoted->cnt) k->unnoted_since_ms = now, k->unnoted_asks = 0;
      rd_kafka_topic_partition_list_add(k->unnoted, k->topic, asked->elems[i].partition);
      k->unnoted_asked_ms = now;
      /* paused at an absolute offset, to be sought once the note is read
       * (resumes.h): assigned at the committed one, librdkafka would ask
       * the coordinator itself, and a refusal leaves no seek confirmed */
      parts->elems[i].offset = sq_kafka_absolute_offset(k->consumer, k->topic, (uint32_t)asked->elems[i].partition, RD_KAFKA_OFFSET_BEGINNING);
      if (!k->quiet)
        sq_log_warn("consumer error", "source '%s': the committed offset of partition %" PRId32 " cannot be read (%s): it waits, "
                    "asked again every second", k->base.rel->name, asked->elems[i].partition, rd_kafka_err2str(why));
    } else if (take_note(k, &asked->elems[i])) {
      parts->elems[i].offset = asked->elems[i].offset; /* where the note belongs, whatever else committed since */
    }
  }
  rd_kafka_topic_partition_list_destroy(asked);
}

static bool unnoted(const sq_reader_kafka_t *k, uint32_t p) {
  return rd_kafka_topic_partition_list_find(k->unnoted, k->topic, (int32_t)p) != NULL;
}

/* Takes or gives up `parts` in librdkafka's assignment. While the
 * consumer closes, the group may still hand over a leaving member's
 * partitions, and the protocol may no longer be known (NULL). */
static void acknowledge(sq_reader_kafka_t *k, bool assign, rd_kafka_topic_partition_list_t *parts) {
  const char *protocol = rd_kafka_rebalance_protocol(k->consumer);
  if (protocol) k->cooperative = strcmp(protocol, "COOPERATIVE") == 0;
  if (k->cooperative) {
    rd_kafka_error_t *e = assign ? rd_kafka_incremental_assign(k->consumer, parts) : rd_kafka_incremental_unassign(k->consumer, parts);
    if (e) rd_kafka_error_destroy(e);
  } else {
    rd_kafka_assign(k->consumer, assign ? parts : NULL);
  }
}

static int on_statistics(rd_kafka_t *rk, char *json, size_t len, void *opaque) {
  (void)rk;
  sq_reader_kafka_t *k = opaque;
  sq_kafka_group_steady(json, len, &k->steady);
  return 0; /* librdkafka frees json */
}

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *parts, void *opaque) {
  (void)rk;
  sq_reader_kafka_t *k = opaque;
  bool assign = err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS;
  /* the reader is being destroyed, and its partition table with it */
  if (k->closing) return acknowledge(k, assign, parts);
  int64_t now = sq_clock_ms();
  k->in_rebalance = true;
  if (!assign && k->base.revoking && parts->cnt > 0) {
    uint32_t *revoked = malloc((size_t)parts->cnt * sizeof *revoked);
    for (int i = 0; revoked && i < parts->cnt; i++) revoked[i] = (uint32_t)parts->elems[i].partition;
    if (revoked) k->base.revoking(k->base.revoking_ctx, revoked, (uint32_t)parts->cnt);
    free(revoked);
  }
  for (int i = 0; i < parts->cnt; i++) {
    uint32_t p = (uint32_t)parts->elems[i].partition;
    if (assign) parts->elems[i].offset = start_offset(k, p);
    /* a stage-1 partition's position is the group's: one left from an
     * earlier hold (or a checkpoint) would be committed over the group's
     * offset and note before a row of it is read */
    if (assign && k->from_group && p < k->base.n_parts) k->base.parts[p].next_offset = k->base.parts[p].saved_offset = -1;
    if (!assign) {
      sq_kafka_resume_cancel(&k->resumes, p);
      rd_kafka_topic_partition_list_del(k->unnoted, k->topic, (int32_t)p);
    }
    sq_reader_assign(&k->base, p, assign, now);
  }
  if (assign && k->from_group) resume_from_notes(k, parts, now); /* (pre-aggregating or not: it may be told only later) */
  for (int i = 0; i < parts->cnt; i++) {
    uint32_t p = (uint32_t)parts->elems[i].partition;
    /* a newly held partition is committed at the next checkpoint whatever
     * its offset (a stage-1 one once a row of it is read), so that its
     * note names this process */
    if (assign && p < k->base.n_parts) k->base.parts[p].committed_ms = 0;
  }
  log_partitions(k, assign ? "partitions assigned" : "partitions revoked", parts);
  k->rebalanced = true;
  acknowledge(k, assign, parts);
  k->in_rebalance = false;
  /* a task's partition waits until its state is restored (sq_reader_resume) */
  if (assign && k->base.per_partition) rd_kafka_pause_partitions(rk, parts);
  if (assign && k->unnoted->cnt) rd_kafka_pause_partitions(rk, k->unnoted);
}

static void kafka_pause(sq_reader_t *r, uint32_t p) {
  sq_reader_kafka_t *k = (sq_reader_kafka_t *)r;
  rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, k->topic, (int32_t)p);
  rd_kafka_pause_partitions(k->consumer, list);
  rd_kafka_topic_partition_list_destroy(list);
  sq_kafka_resume_cancel(&k->resumes, p);
}

static void kafka_follow(sq_reader_t *r, uint32_t p, bool assigned) {
  sq_reader_kafka_t *k = (sq_reader_kafka_t *)r;
  if (!k->follower) return;
  rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, k->topic, (int32_t)p)->offset = start_offset(k, p);
  rd_kafka_error_t *e = assigned ? rd_kafka_incremental_assign(k->consumer, list) : rd_kafka_incremental_unassign(k->consumer, list);
  if (e) {
    if (!k->quiet) sq_log("consumer error", "source '%s': cannot %s partition %u: %s", r->rel->name, assigned ? "take" : "give up", p,
                          rd_kafka_error_string(e));
    rd_kafka_error_destroy(e);
  }
  if (assigned) rd_kafka_pause_partitions(k->consumer, list);
  else sq_kafka_resume_cancel(&k->resumes, p);
  sq_reader_assign(r, p, assigned, sq_clock_ms());
  rd_kafka_topic_partition_list_destroy(list);
}

/* Resumes once a seek to `offset` is confirmed (resumes.h). */
static void kafka_resume(sq_reader_t *r, uint32_t p, int64_t offset) {
  sq_reader_kafka_t *k = (sq_reader_kafka_t *)r;
  int64_t now = sq_clock_ms();
  int64_t at = offset >= 0 ? offset
                           : sq_kafka_absolute_offset(k->consumer, k->topic, p, k->from_latest ? RD_KAFKA_OFFSET_END : RD_KAFKA_OFFSET_BEGINNING);
  if (!sq_kafka_resume_at(&k->resumes, p, at, now)) {
    if (!k->quiet) sq_log("consumer error", "source '%s': out of memory resuming partition %u", r->rel->name, p);
    return;
  }
  sq_kafka_resumes_serve(&k->resumes, now);
}

/* Asks again for the notes of the partitions waiting for theirs; each
 * one answered resumes at its committed offset. */
static void ask_again(sq_reader_kafka_t *k, int64_t now) {
  rd_kafka_topic_partition_list_t *asked = rd_kafka_topic_partition_list_copy(k->unnoted);
  /* the run loop waits meanwhile: briefly at first, up to 2 s for a slow coordinator */
  int wait_ms = 250 << (k->unnoted_asks < 3 ? k->unnoted_asks : 3);
  k->unnoted_asks++;
  bool answered = rd_kafka_committed(k->consumer, asked, wait_ms) == RD_KAFKA_RESP_ERR_NO_ERROR;
  k->unnoted_asked_ms = sq_clock_ms(); /* the next ask a second after this one's answer */
  for (int i = 0; i < asked->cnt; i++) {
    uint32_t p = (uint32_t)asked->elems[i].partition;
    if (p < k->base.n_parts) k->base.parts[p].last_row_ms = now; /* waiting, not idle */
    if (!answered || asked->elems[i].err) continue;
    take_note(k, &asked->elems[i]);
    rd_kafka_topic_partition_list_del(k->unnoted, k->topic, (int32_t)p);
    if (!k->quiet)
      sq_log("consumer resumed", "source '%s': partition %u's committed offset read after %.1f s; reading from offset %" PRId64,
             k->base.rel->name, p, (double)(now - k->unnoted_since_ms) / 1000, asked->elems[i].offset);
    kafka_resume(&k->base, p, asked->elems[i].offset);
  }
  rd_kafka_topic_partition_list_destroy(asked);
}

/* Returns the previous batch's messages, which it has processed. */
static void release_held(sq_reader_kafka_t *k) {
  for (size_t i = 0; i < k->n_held; i++) rd_kafka_message_destroy(k->held[i]);
  k->n_held = 0;
}

/* Gives a partition of a commit list its note: a copy of `text`, which
 * librdkafka frees with the list. */
static void note_on(rd_kafka_topic_partition_t *tp, const char *text, size_t len) {
  if ((tp->metadata = malloc(len))) memcpy(tp->metadata, text, len), tp->metadata_size = len;
}

/* Whether partition p's commit is due: its checkpointed position moved,
 * its task's state changed, or its note is getting old. */
static bool commit_due(const sq_reader_partition_t *part, int64_t offset, int64_t now, int64_t every_ms) {
  return offset != part->committed_offset || part->paused != part->committed_paused || !part->committed_ms ||
         now - part->committed_ms >= every_ms;
}

/* The offset partition `part` is committed at: its checkpointed
 * position, or for a pre-aggregating stage 1 the start of the segment
 * whose partials it still holds (preaggregate.h). */
static int64_t commit_offset(const sq_reader_t *r, const sq_reader_partition_t *part) {
  bool held = r->preaggregated && part->saved_replay_from >= 0 && part->saved_replay_from < part->saved_offset;
  return held ? part->saved_replay_from : part->saved_offset;
}

/* Pre-aggregation's idle cut (sq_reader_class_t.record_cut): commits,
 * and waits for it, partition p at its segment's start with the cut at
 * its last offset, so that a restart cuts there too. Only when the
 * segment's start is what the group already has (committed after its
 * rows were acknowledged), so that nothing before it is skipped. */
static bool kafka_record_cut(sq_reader_t *r, uint32_t p) {
  sq_reader_kafka_t *k = (sq_reader_kafka_t *)r;
  sq_reader_partition_t *part = p < r->n_parts ? &r->parts[p] : NULL;
  if (!part || !part->assigned || part->paused || part->preagg.replay_from < 0 || part->committed_offset != part->preagg.replay_from ||
      !k->steady) /* a commit refused mid-rebalance would lose the assignment (group_state.h): cut later */
    return false;
  sq_commit_note_t note = k->note;
  note.at = sq_clock_ms() / 1000;
  note.resumes = true, note.from_ts = part->preagg.replay_max_ts, note.cut = part->preagg.last_offset;
  char text[SQ_COMMIT_NOTE_MAX];
  rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_t *tp = rd_kafka_topic_partition_list_add(list, k->topic, (int32_t)p);
  tp->offset = part->preagg.replay_from;
  note_on(tp, text, sq_commit_note_format(&note, text, sizeof text));
  bool ok = rd_kafka_commit(k->consumer, list, 0) == RD_KAFKA_RESP_ERR_NO_ERROR && !list->elems[0].err;
  rd_kafka_topic_partition_list_destroy(list);
  return ok;
}

/* Commits to the group, asynchronously (for lag tools and `streamq
 * status`; a failure only delays them), the checkpointed positions of the
 * assigned partitions whose commit is due, each with this process's note.
 * Only those: a commit sent while the group rebalances fails with a stale
 * generation, which makes librdkafka give up every partition and rejoin
 * (on the development broker, a rebalance more per idle checkpoint). A
 * partition whose task is being restored has no position of its own yet:
 * it is committed at the group's offset (asked for, once per restore and
 * refresh), with a note that says so. A table or an ad-hoc query is
 * outside the group: nothing to commit. */
static void kafka_checkpointed(sq_reader_t *r) {
  sq_reader_kafka_t *k = (sq_reader_kafka_t *)r;
  if (k->assign_all || k->follower) return; /* not a member: the group would refuse */
  if (!k->steady && !k->in_rebalance) return; /* the group is rebalancing: the next checkpoint commits (group_state.h) */
  int64_t now = sq_clock_ms(), every_ms = k->note.every * 1000;
  rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new((int)r->n_parts);
  rd_kafka_topic_partition_list_t *restoring = rd_kafka_topic_partition_list_new(0);
  for (uint32_t p = 0; p < r->n_parts; p++) {
    sq_reader_partition_t *part = &r->parts[p];
    if (!part->assigned || unnoted(k, p)) continue; /* its note, unread, must stay */
    if (part->paused && commit_due(part, part->committed_offset, now, every_ms))
      rd_kafka_topic_partition_list_add(restoring, k->topic, (int32_t)p);
    else if (!part->paused && part->saved_offset >= 0 && commit_due(part, commit_offset(r, part), now, every_ms))
      rd_kafka_topic_partition_list_add(list, k->topic, (int32_t)p)->offset = commit_offset(r, part);
  }
  bool fetched = restoring->cnt && rd_kafka_committed(k->consumer, restoring, 1000) == RD_KAFKA_RESP_ERR_NO_ERROR;
  for (int i = 0; i < restoring->cnt; i++) {
    sq_reader_partition_t *part = &r->parts[restoring->elems[i].partition];
    if (fetched && restoring->elems[i].offset >= 0)
      rd_kafka_topic_partition_list_add(list, k->topic, restoring->elems[i].partition)->offset = restoring->elems[i].offset;
    part->committed_paused = true, part->committed_ms = now; /* asked once per refresh, even with nothing to commit */
  }
  char text[2][SQ_COMMIT_NOTE_MAX];
  size_t len[2];
  for (int paused = 0; paused < 2; paused++) {
    k->note.at = now / 1000;
    k->note.restoring = paused;
    len[paused] = sq_commit_note_format(&k->note, text[paused], sizeof text[paused]);
  }
  for (int i = 0; i < list->cnt; i++) {
    sq_reader_partition_t *part = &r->parts[list->elems[i].partition];
    if (r->preaggregated && !part->paused) { /* with what a restart from its segment's start needs */
      char own[SQ_COMMIT_NOTE_MAX];
      sq_commit_note_t note = k->note;
      note.restoring = false, note.resumes = true, note.from_ts = part->saved_replay_ts, note.read = part->saved_offset;
      note_on(&list->elems[i], own, sq_commit_note_format(&note, own, sizeof own));
    } else {
      note_on(&list->elems[i], text[part->paused], len[part->paused]);
    }
    part->committed_offset = list->elems[i].offset;
    part->committed_paused = part->paused;
    part->committed_ms = now;
  }
  if (list->cnt) rd_kafka_commit(k->consumer, list, 1);
  rd_kafka_topic_partition_list_destroy(restoring);
  rd_kafka_topic_partition_list_destroy(list);
}

/* The session timeout the consumer runs with, in ms. */
static int64_t session_timeout_ms(sq_reader_kafka_t *k) {
  char value[32];
  size_t size = sizeof value;
  if (rd_kafka_conf_get(rd_kafka_conf(k->consumer), "session.timeout.ms", value, &size) != RD_KAFKA_CONF_OK) return 45000;
  return strtoll(value, NULL, 10);
}

/* For a reader that must be alone in its group (see the top): false,
 * after sq_exec_fail, once another member has held partitions too long. */
static bool check_alone(sq_reader_kafka_t *k, int64_t now, sq_exec_t *exec) {
  if (!k->base.alone || !k->rebalanced) return true;
  uint32_t held = 0;
  for (uint32_t p = 0; p < k->base.n_parts; p++) held += k->base.parts[p].assigned;
  if (!k->base.topic_partitions || held >= k->base.topic_partitions) return k->shared_since = 0, true;
  if (!k->shared_since) k->shared_since = now;
  if (now - k->shared_since <= 2 * session_timeout_ms(k)) return true;
  char group[256];
  size_t size = sizeof group;
  if (rd_kafka_conf_get(rd_kafka_conf(k->consumer), "group.id", group, &size) != RD_KAFKA_CONF_OK) group[0] = '\0';
  return sq_exec_fail(exec, "source '%s': another process shares consumer group '%s' (this one holds %u of the %d partitions "
                      "of %s for %lld s): a pipeline with stateful queries runs in one process per group unless its source "
                      "is partitioned_by its keys (README: Running on more than one machine)", k->base.rel->name, group, held,
                      (int)k->base.topic_partitions, k->topic, (long long)(now - k->shared_since) / 1000);
}

/* The topic's partition count, once the group has assigned something
 * (the watermark marks of a repartition's stage 1 name it). */
static void count_partitions(sq_reader_kafka_t *k) {
  if (k->base.topic_partitions || !k->rebalanced) return;
  const rd_kafka_metadata_t *md = NULL;
  if (!rd_kafka_metadata(k->consumer, 0, k->topic_handle, &md, 2000) && md->topic_cnt == 1 && !md->topics[0].err)
    k->base.topic_partitions = (uint32_t)md->topics[0].partition_cnt;
  if (md) rd_kafka_metadata_destroy(md);
}

/* A record of a repartition topic (base.marked): a watermark mark (no
 * value, the mark header) is taken in and yields no row. */
static bool take_mark(sq_reader_kafka_t *k, const rd_kafka_message_t *msg, uint32_t p, sq_exec_t *exec, bool *oom) {
  rd_kafka_headers_t *headers = NULL;
  const void *value = NULL;
  size_t size = 0;
  sq_mark_t mark;
  *oom = false;
  if (msg->payload || rd_kafka_message_headers(msg, &headers) || rd_kafka_header_get_last(headers, SQ_MARK_HEADER, &value, &size) ||
      !sq_mark_parse(value, size, &mark))
    return false;
  if (!sq_origins_mark(&k->base.parts[p].origins, &mark)) *oom = !sq_exec_fail(exec, "out of memory");
  return true;
}

/* Whether a repartition topic's row is new (origins.h); a repeat is
 * counted and dropped. */
static bool admit(sq_reader_kafka_t *k, const sq_value_t *row, uint32_t p, bool *oom) {
  sq_value_t origin = row[k->origin_partition_col], offset = row[k->origin_offset_col];
  sq_value_t index = k->origin_index_col >= 0 ? row[k->origin_index_col] : sq_int(0);
  *oom = false;
  if (sq_is_null(origin) || sq_is_null(offset) || origin.u.i < 0 || origin.u.i >= SQ_ORIGINS_MAX) return true; /* not ours to judge */
  uint32_t at = sq_is_null(index) || index.u.i < 0 || index.u.i > UINT32_MAX ? 0 : (uint32_t)index.u.i;
  if (sq_origins_admit(&k->base.parts[p].origins, (uint32_t)origin.u.i, offset.u.i, at, oom)) return true;
  k->repeats += !*oom;
  return false;
}

/* Consumer lag from librdkafka's cached high watermarks (no request). */
static void note_lag(sq_reader_kafka_t *k, int64_t now) {
  k->lag_noted_ms = now;
  for (uint32_t p = 0; p < k->base.n_parts; p++) {
    sq_reader_partition_t *part = &k->base.parts[p];
    int64_t low, high;
    if (!part->assigned || part->next_offset < 0) continue;
    if (rd_kafka_get_watermark_offsets(k->consumer, k->topic, (int32_t)p, &low, &high) == RD_KAFKA_RESP_ERR_NO_ERROR && high >= 0)
      part->lag = high > part->next_offset ? high - part->next_offset : 0;
  }
}

static sq_value_t bytes_value(const void *p, size_t len) { return p ? sq_str(p, (uint32_t)len) : sq_null(); }

/* A table's deletion: the primary key from the record key, NULL elsewhere. */
static bool tombstone_row(const sq_reader_kafka_t *k, const rd_kafka_message_t *msg, sq_value_t *row, char *err, size_t err_size) {
  sq_set_null(row, (size_t)k->key_col);
  if (!msg->key) return snprintf(err, err_size, "a tombstone without a key"), false;
  const sq_column_t *pk = &k->base.rel->columns[k->pk_col];
  if (pk->type == SQ_TYPE_STRING) {
    row[k->pk_col] = sq_str(msg->key, (uint32_t)msg->key_len);
    return true;
  }
  char text[32];
  char *end;
  snprintf(text, sizeof text, "%.*s", (int)(msg->key_len < sizeof text - 1 ? msg->key_len : sizeof text - 1), (const char *)msg->key);
  long long v = strtoll(text, &end, 10);
  if (pk->type != SQ_TYPE_BIGINT || end == text || *end || msg->key_len >= sizeof text)
    return snprintf(err, err_size, "tombstone key '%s' is not a %s primary key", text, sq_type_name(pk->type)), false;
  row[k->pk_col] = sq_int(v);
  return true;
}

/* Whether every partition has been read to the end offset it had at start. */
static bool at_start_end(const sq_reader_kafka_t *k) {
  for (uint32_t p = 0; p < k->n_bounds; p++) {
    if (k->high[p] <= k->low[p]) continue;
    if (p >= k->base.n_parts || k->base.parts[p].next_offset < k->high[p]) return false;
  }
  return true;
}

/* Whether the consumer's positions passed the end offsets of the start:
 * they also pass transaction markers, which are never delivered, so a
 * transactional topic ends too. */
static bool positions_at_end(sq_reader_kafka_t *k) {
  rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new((int)k->n_bounds);
  for (uint32_t p = 0; p < k->n_bounds; p++) rd_kafka_topic_partition_list_add(list, k->topic, (int32_t)p);
  bool done = rd_kafka_position(k->consumer, list) == RD_KAFKA_RESP_ERR_NO_ERROR;
  for (int i = 0; done && i < list->cnt; i++) {
    uint32_t p = (uint32_t)list->elems[i].partition;
    done = k->high[p] <= k->low[p] || list->elems[i].offset >= k->high[p];
  }
  rd_kafka_topic_partition_list_destroy(list);
  return done;
}

/* The partitions and their offsets now: where a table's bootstrap or a
 * bounded query ends. */
static bool query_bounds(sq_reader_kafka_t *k, char *err, size_t err_size) {
  const rd_kafka_metadata_t *md = NULL;
  const char *kind = sq_rel_kind_name(k->base.rel->kind);
  rd_kafka_resp_err_t e = rd_kafka_metadata(k->consumer, 0, k->topic_handle, &md, 10000);
  if (e || md->topic_cnt != 1 || md->topics[0].err) {
    snprintf(err, err_size, "%s '%s': cannot read the partitions of topic %s: %s", kind, k->base.rel->name, k->topic,
             rd_kafka_err2str(e ? e : md->topic_cnt == 1 ? md->topics[0].err : RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC));
    if (md) rd_kafka_metadata_destroy(md);
    return false;
  }
  k->n_bounds = (uint32_t)md->topics[0].partition_cnt;
  rd_kafka_metadata_destroy(md);
  k->low = calloc(k->n_bounds + 1, sizeof *k->low);
  k->high = calloc(k->n_bounds + 1, sizeof *k->high);
  if (!k->low || !k->high) return snprintf(err, err_size, "out of memory"), false;
  for (uint32_t p = 0; p < k->n_bounds; p++) {
    e = rd_kafka_query_watermark_offsets(k->consumer, k->topic, (int32_t)p, &k->low[p], &k->high[p], 10000);
    if (e) {
      snprintf(err, err_size, "%s '%s': cannot read the end offsets of topic %s: %s", kind, k->base.rel->name, k->topic, rd_kafka_err2str(e));
      return false;
    }
  }
  return true;
}

/* A table or an ad-hoc query takes all its partitions at its first read,
 * once a checkpoint has restored their positions. */
static bool assign_all(sq_reader_kafka_t *k, sq_exec_t *exec) {
  rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new((int)k->n_bounds);
  int64_t now = sq_clock_ms();
  for (uint32_t p = 0; p < k->n_bounds; p++)
    rd_kafka_topic_partition_list_add(parts, k->topic, (int32_t)p)->offset = start_offset(k, p);
  rd_kafka_resp_err_t e = rd_kafka_assign(k->consumer, parts);
  for (uint32_t p = 0; !e && p < k->n_bounds; p++) sq_reader_assign(&k->base, p, true, now);
  if (!e) log_partitions(k, "partitions assigned", parts);
  rd_kafka_topic_partition_list_destroy(parts);
  k->all_assigned = !e;
  return !e || sq_exec_fail(exec, "%s '%s': cannot assign the partitions of %s: %s", sq_rel_kind_name(k->base.rel->kind),
                            k->base.rel->name, k->topic, rd_kafka_err2str(e));
}

static sq_read_status_t kafka_read(sq_reader_t *r, sq_batch_t *out, sq_exec_t *exec) {
  sq_reader_kafka_t *k = (sq_reader_kafka_t *)r;
  if (k->assign_all && !k->all_assigned && !assign_all(k, exec)) return SQ_READ_ERROR;
  release_held(k);
  int64_t started = sq_clock_ms();
  if (k->unnoted->cnt && started - k->unnoted_asked_ms >= 1000) ask_again(k, started);
  if (k->dlq_producer) rd_kafka_poll(k->dlq_producer, 0);
  sq_kafka_resumes_serve(&k->resumes, started);
  out->n = 0;
  /* What is queued, at once; if nothing is and the run loop lets it,
   * wait up to 10 ms for one record (a batch call waits its whole timeout
   * for a full batch, which at low rates is latency), then take what came
   * with it. */
  ssize_t got = rd_kafka_consume_batch_queue(k->queue, 0, k->held, out->cap);
  if (got == 0 && r->may_wait && (got = rd_kafka_consume_batch_queue(k->queue, 10, k->held, 1)) == 1) {
    ssize_t more = rd_kafka_consume_batch_queue(k->queue, 0, k->held + 1, out->cap - 1);
    got += more > 0 ? more : 0;
  }
  k->n_held = got > 0 ? (size_t)got : 0; /* nothing now: lag and a table's progress are still looked at */
  int64_t now = sq_clock_ms();
  if (now - k->lag_noted_ms >= 1000) {
    note_lag(k, now);
    count_partitions(k);
    if (!check_alone(k, now, exec)) return SQ_READ_ERROR;
  }
  for (size_t m = 0; m < k->n_held; m++) {
    const rd_kafka_message_t *msg = k->held[m];
    if (msg->err) {
      if (msg->err != RD_KAFKA_RESP_ERR__PARTITION_EOF && !k->quiet)
        sq_log("consumer error", "source '%s': %s", r->rel->name, rd_kafka_message_errstr(msg));
      continue;
    }
    uint32_t p = (uint32_t)msg->partition;
    /* a task's partition revoked during this read (the rebalance callback
     * ran inside it): its rows are the next owner's, and taking them would
     * bring the task back here */
    if (r->per_partition && (p >= r->n_parts || !r->parts[p].assigned)) continue;
    if (p >= r->n_parts || !r->parts[p].assigned) sq_reader_assign(r, p, true, now);
    r->parts[p].next_offset = msg->offset + 1;
    bool oom;
    if (r->marked && take_mark(k, msg, p, exec, &oom)) {
      if (oom) return SQ_READ_ERROR;
      continue;
    }
    sq_value_t *row = sq_batch_row(out, out->n);
    char err[256];
    bool ok = msg->payload && sq_decode(k->decoder, msg->payload, msg->len, row, &exec->arena, err, sizeof err);
    if (ok && r->marked && !admit(k, row, p, &oom)) {
      if (oom) return sq_exec_fail(exec, "out of memory"), SQ_READ_ERROR;
      continue;
    }
    if (!msg->payload && k->pk_col >= 0) ok = tombstone_row(k, msg, row, err, sizeof err);
    else if (!msg->payload) snprintf(err, sizeof err, "empty record (tombstone)");
    rd_kafka_timestamp_type_t ts_type;
    int64_t record_ts = rd_kafka_message_timestamp(msg, &ts_type);
    sq_set_null(row + k->key_col, out->width - (uint32_t)k->key_col);
    row[k->key_col] = bytes_value(msg->key, msg->key_len);
    row[k->topic_col] = sq_str(k->topic, (uint32_t)strlen(k->topic));
    row[k->partition_col] = sq_int(msg->partition);
    row[k->offset_col] = sq_int(msg->offset);
    if (record_ts >= 0) row[k->timestamp_col] = sq_ts(record_ts);
    if (ok && !sq_reader_stamp(r, out, out->n, p, now, record_ts >= 0 ? record_ts : now)) {
      snprintf(err, sizeof err, "the event-time column is NULL");
      ok = false;
    }
    if (!ok) {
      char place[300];
      snprintf(place, sizeof place, "%s/%" PRId32 "@%" PRId64, k->topic, msg->partition, msg->offset);
      sq_record_origin_t origin = {place, k->topic, msg->partition, msg->offset};
      if (!sq_bad_record(&r->bad, msg->payload ? msg->payload : "", msg->payload ? msg->len : 0, err, &origin, exec))
        return SQ_READ_ERROR;
      continue;
    }
    out->n++;
  }
  if (k->assign_all && !r->caught_up) r->caught_up = at_start_end(k) || (!k->n_held && positions_at_end(k));
  if (out->n) return SQ_READ_ROWS;
  return k->bounded && r->caught_up ? SQ_READ_END : SQ_READ_IDLE;
}

static void kafka_destroy(sq_reader_t *r) {
  sq_reader_kafka_t *k = (sq_reader_kafka_t *)r;
  if (k->repeats && !k->quiet)
    sq_log("repeats dropped", "source '%s': %llu rows written again by stage 1 after it moved or restarted were dropped",
           r->rel->name, (unsigned long long)k->repeats);
  release_held(k);
  sq_kafka_resumes_free(&k->resumes);
  rd_kafka_topic_partition_list_destroy(k->unnoted);
  if (k->queue) rd_kafka_queue_destroy(k->queue);
  if (k->topic_handle) rd_kafka_topic_destroy(k->topic_handle);
  if (k->consumer) {
    k->closing = true;
    rd_kafka_consumer_close(k->consumer);
    rd_kafka_destroy(k->consumer);
  }
  if (k->dlq_producer) {
    rd_kafka_flush(k->dlq_producer, 30000);
    rd_kafka_destroy(k->dlq_producer);
  }
  sq_decoder_destroy(k->decoder);
  free(k->low);
  free(k->high);
  free(k->topic);
  free(k);
}

static const sq_reader_class_t kafka_class = {.read = kafka_read, .destroy = kafka_destroy, .pause = kafka_pause, .resume = kafka_resume, .follow = kafka_follow,
                                                .checkpointed = kafka_checkpointed, .record_cut = kafka_record_cut, .has_lag = true};

/* The producer for a dead-letter topic, or NULL when there is none. */
static bool open_dlq_producer(sq_reader_kafka_t *k, const sq_relation_t *rel, const sq_runtime_t *rt, char *err, size_t err_size) {
  if (!sq_relation_option(rel, "dlq_topic")) return true;
  static const char *const extra[] = {"enable.idempotence", "true", NULL};
  rd_kafka_conf_t *conf = sq_kafka_conf(&rt->kafka, extra, err, err_size);
  char rd_err[256];
  if (!conf) return false;
  if (!(k->dlq_producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, rd_err, sizeof rd_err))) {
    rd_kafka_conf_destroy(conf);
    snprintf(err, err_size, "source '%s': cannot create the dead-letter producer: %s", rel->name, rd_err);
    return false;
  }
  return true;
}

void sq_kafka_group_of(const sq_relation_t *rel, const sq_runtime_t *rt, char *out, size_t size) {
  char err[64];
  char *group_id = sq_option_string(rel, "group_id", err, sizeof err);
  if (group_id) snprintf(out, size, "%s", group_id);
  else snprintf(out, size, "streamq-%s", rt->pipeline);
  free(group_id);
}

void sq_kafka_changelog_topic(const sq_relation_t *rel, const sq_runtime_t *rt, char *out, size_t size) {
  char group[256];
  sq_kafka_group_of(rel, rt, group, sizeof group);
  snprintf(out, size, "%s.changelog", group);
}

sq_reader_t *sq_kafka_reader_open(const sq_relation_t *rel, const bool *read, const sq_runtime_t *rt, char *err,
                                  size_t err_size) {
  sq_reader_kafka_t *k = calloc(1, sizeof *k);
  if (!k) return snprintf(err, err_size, "out of memory"), NULL;
  k->base.cls = &kafka_class;
  k->quiet = rt->quiet;
  k->cooperative = true; /* partition.assignment.strategy below */
  k->unnoted = rd_kafka_topic_partition_list_new(0);
  k->steady = true;      /* until the statistics say otherwise */
  if (!open_dlq_producer(k, rel, rt, err, err_size) || !sq_reader_init(&k->base, &kafka_class, rel, k->dlq_producer, err, err_size) ||
      !(k->topic = sq_option_string(rel, "topic", err, err_size))) {
    sq_reader_destroy(&k->base);
    return NULL;
  }
  k->base.waits = true;
  k->key_col = sq_relation_find_column(rel, "_key");
  k->topic_col = k->key_col + 1;
  k->partition_col = k->key_col + 2;
  k->offset_col = k->key_col + 3;
  k->timestamp_col = k->key_col + 4;
  k->origin_partition_col = sq_relation_find_column(rel, SQ_ORIGIN_PARTITION);
  k->origin_offset_col = sq_relation_find_column(rel, SQ_ORIGIN_OFFSET);
  k->origin_index_col = sq_relation_find_column(rel, SQ_ORIGIN_INDEX);
  k->base.marked = sq_option_is(rel, "repartitioned", "on") && k->origin_partition_col >= 0 && k->origin_offset_col >= 0;
  bool csv = sq_option_is(rel, "format", "csv");
  k->decoder = sq_reader_decoder(&k->base, read);
  if (!k->decoder || (csv && !sq_decoder_positional(k->decoder))) {
    snprintf(err, err_size, "out of memory");
    sq_reader_destroy(&k->base);
    return NULL;
  }
  char group[256];
  sq_kafka_group_of(rel, rt, group, sizeof group);
  k->pk_col = rel->kind == SQ_REL_TABLE ? rel->primary_key : -1;
  k->assign_all = k->pk_col >= 0 || rt->read_mode != SQ_READ_PIPELINE;
  k->bounded = rt->read_mode == SQ_READ_BOUNDED;
  k->follower = rt->read_mode == SQ_READ_PIPELINE && rt->task_leader && rel != rt->task_leader && k->pk_col < 0 &&
                sq_relation_option(rel, "partitioned_by");
  k->from_group = rt->read_mode == SQ_READ_PIPELINE && rt->task_leader && k->pk_col < 0 && !sq_relation_option(rel, "partitioned_by");
  /* In a group of its own: members of one group subscribed to different
   * topics made librdkafka 2.0.2's development broker stall a rebalance
   * for over a minute (the leader waiting for metadata), and apart, a
   * stage-1 rebalance never moves a task. */
  if (k->from_group) strncat(group, ".stage1", sizeof group - strlen(group) - 1);
  k->from_latest = k->pk_col < 0 && (rt->read_mode == SQ_READ_LIVE ? !rt->live_from_earliest
                                                                  : !k->bounded && sq_option_is(rel, "start", "latest"));
  /* Every partition's queue is forwarded into the one consumer queue, whose
   * length counts against queued.min.messages: at librdkafka's default
   * (100,000) a 16-partition topic pauses its fetches (each for a backoff)
   * whenever the engine is briefly behind, which cost 6x in throughput.
   * The byte limit keeps memory bounded. A broker may hold a fetch for
   * fetch.wait.max.ms waiting for more data (librdkafka: 500 ms); a
   * stream engine wants what is there: at 10 ms the Kafka aggregation
   * bench ran in 0.93 s instead of 1.42 s (5 runs each, 400k records). */
  const char *extra[] = {"group.id", group, "auto.offset.reset", k->from_latest ? "latest" : "earliest", "enable.auto.commit", "false",
                         "enable.partition.eof", "false", "partition.assignment.strategy", "cooperative-sticky",
                         "queued.min.messages", "1000000", "queued.max.messages.kbytes", "32768", "fetch.wait.max.ms", "10",
                         "statistics.interval.ms", k->assign_all || k->follower ? "0" : SQ_KAFKA_GROUP_STATE_MS, NULL};
  rd_kafka_conf_t *conf = sq_kafka_conf(&rt->kafka, extra, err, err_size);
  char rd_err[256];
  if (conf) {
    rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
    rd_kafka_conf_set_stats_cb(conf, on_statistics);
    rd_kafka_conf_set_opaque(conf, k);
    if (!(k->consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, rd_err, sizeof rd_err))) {
      rd_kafka_conf_destroy(conf);
      snprintf(err, err_size, "source '%s': cannot create the Kafka consumer: %s", rel->name, rd_err);
    }
  }
  /* A topic handle makes librdkafka look up the partitions' leaders now,
   * while the group forms. A partition assigned before its leader is
   * known waits for a 500 ms offset-query retry: with 16 partitions, one
   * delivered alone and the rest 0.5 s later in most runs of the Kafka
   * aggregation bench. */
  if (k->consumer) k->topic_handle = rd_kafka_topic_new(k->consumer, k->topic, NULL);
  rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(topics, k->topic, RD_KAFKA_PARTITION_UA);
  rd_kafka_resp_err_t e = !k->topic_handle ? RD_KAFKA_RESP_ERR__FAIL : k->assign_all || k->follower ? RD_KAFKA_RESP_ERR_NO_ERROR
                                                                                    : rd_kafka_subscribe(k->consumer, topics);
  rd_kafka_topic_partition_list_destroy(topics);
  if (!k->topic_handle || e) {
    if (k->consumer) snprintf(err, err_size, "source '%s': cannot subscribe to %s: %s", rel->name, k->topic, rd_kafka_err2str(e ? e : rd_kafka_last_error()));
    sq_reader_destroy(&k->base);
    return NULL;
  }
  /* One queue for everything: librdkafka's main queue (errors, logs) is
   * served by the same batch reads as the messages. */
  rd_kafka_poll_set_consumer(k->consumer);
  k->queue = rd_kafka_queue_get_consumer(k->consumer);
  k->resumes = (sq_kafka_resumes_t){.consumer = k->consumer, .topic = k->topic, .source = k->quiet ? NULL : rel->name};
  int64_t every_ms = rt->checkpoint_interval_ms > NOTE_REFRESH_MS ? rt->checkpoint_interval_ms : NOTE_REFRESH_MS;
  sq_commit_note_self(&k->note, sq_clock_ms() / 1000, (every_ms + 999) / 1000);
  if (k->assign_all && !query_bounds(k, err, err_size)) {
    sq_reader_destroy(&k->base);
    return NULL;
  }
  return &k->base;
}
