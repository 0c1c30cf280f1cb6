/* Per-partition tasks (tasks.h). A task's record, in each checkpoint and
 * in each changelog marker:
 *   marker blob: for each input, the next offset, largest event time
 *                and watermark of its partition; then (id, watermark,
 *                operator record) of each of the task's operators; then
 *                for each repartition topic input, its partition's
 *                origins (runtime/kit/origins.h);
 *   local record: partition, writer id, sequence, changelog position,
 *                marker blob.
 * The local record says: this state directory holds the task's state as
 * of marker (writer id, sequence), the first marker of that writer at or
 * after the changelog position. A restore reads the changelog from there,
 * skips what is already local and applies what other processes wrote
 * after it.
 *
 * Inputs: the first partitioned source (the leader) is in the consumer
 * group and decides which tasks this process holds; the others (a join
 * of co-partitioned sources) follow it, assigned the same partitions
 * outside the group.
 *
 * Phases: NONE (not held; its last record may be kept for a return),
 * RESTORING (partition paused), RUNNING, LEAVING (revoked: waits for the
 * checkpoint that makes its last changes durable, then leaves memory).
 * Everything here runs on the engine thread except publish (the writer
 * thread), which reads only `pub`, left alone by the engine until the
 * checkpoint completes. */
#include "runtime/app/tasks.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/connectors/kafka/changelog.h"
#include "runtime/connectors/kafka/kafka.h"
#include "runtime/connectors/kafka/topics.h"
#include "runtime/kit/clock.h"
#include "runtime/kit/log.h"
#include "runtime/kit/options.h"

#define RESTORE_STEP 5000 /* changelog records applied per run-loop round: the group keeps being polled */
#define MAX_INPUTS 8      /* partitioned sources of one pipeline */

typedef enum task_phase { TASK_NONE, TASK_RESTORING, TASK_RUNNING, TASK_LEAVING } task_phase_t;

typedef struct task {
  task_phase_t phase;
  sq_plan_t *plan;                 /* RUNNING, LEAVING */
  sq_changelog_restore_t *restore; /* RESTORING */
  bool from_local;                 /* RESTORING: on top of the state directory's copy */
  double restore_started;
  sq_buf_t record;                 /* its local record in the last durable checkpoint; empty: none */
  sq_buf_t pending;                /* the one in the checkpoint being written */
  int64_t changelog_from;          /* its next marker is at or after this offset */
  int64_t watermark[MAX_INPUTS];   /* what its operators last saw of each input */
  uint64_t leave_seq;              /* LEAVING: the checkpoint it waits for (0: not taken yet) */
  sq_reader_partition_t frozen[MAX_INPUTS]; /* LEAVING: its partitions as it left */
  sq_metric_t *remaining, *lag;
} task_t;

typedef struct task_input {
  sq_reader_t *reader;
  uint32_t src_index; /* its source in the plans */
  int partition_col;
} task_input_t;

struct sq_tasks {
  sq_plan_t *tmpl;
  task_input_t inputs[MAX_INPUTS]; /* [0]: the leader */
  uint32_t n_inputs;
  sq_reader_t *reader;             /* the leader's */
  int32_t partitions;              /* the leader topic's partition count (0: unknown) */
  uint64_t checkpoint_seq; /* the last durable checkpoint's */
  sq_runtime_t *rt;
  sq_changelog_t *changelog; /* NULL: changelogs off */
  char topic[300];
  task_t *tasks; /* by partition */
  uint32_t n;
  /* the checkpoint out: (partition, writer id, sequence, marker blob) each */
  sq_buf_t pub;
  uint64_t pub_seq;
  int64_t *marker_offsets; /* n of them, filled by publish */
  bool (*checkpoint)(void *ctx); /* synchronous, for revocations (sq_tasks_on_revoke) */
  void *checkpoint_ctx;
  bool failed;                   /* such a checkpoint failed: the run stops */
};

static uint32_t task_lo(uint32_t p) { return p * SQ_STATE_TASK_PARTITIONS; }

static uint32_t be32(const char *p) {
  return (uint32_t)(unsigned char)p[0] << 24 | (uint32_t)(unsigned char)p[1] << 16 | (uint32_t)(unsigned char)p[2] << 8 |
         (unsigned char)p[3];
}

/* ---- records ---------------------------------------------------------------- */

static void marker_blob(const sq_tasks_t *t, const task_t *k, uint32_t p, sq_buf_t *out) {
  sq_put_u64(out, t->n_inputs);
  for (uint32_t i = 0; i < t->n_inputs; i++) {
    const sq_reader_partition_t *part = k->phase == TASK_LEAVING ? &k->frozen[i] : &t->inputs[i].reader->parts[p];
    sq_put_i64(out, part->next_offset);
    sq_put_i64(out, part->max_event_time);
    sq_put_i64(out, part->watermark);
  }
  sq_put_u64(out, k->plan->n_ops);
  sq_buf_t rec = {0};
  for (uint32_t i = 0; i < k->plan->n_ops; i++) {
    const sq_op_t *op = k->plan->ops[i];
    sq_buf_clear(&rec);
    if (op->cls->save) op->cls->save(op, &rec);
    sq_put_u64(out, (uint64_t)op->id);
    sq_put_i64(out, op->watermark);
    sq_put_bytes(out, rec.data, rec.len);
  }
  out->failed |= rec.failed;
  sq_buf_free(&rec);
  for (uint32_t i = 0; i < t->n_inputs; i++) { /* a repartition topic's origins: last, so older blobs still load */
    const sq_reader_partition_t *part = k->phase == TASK_LEAVING ? &k->frozen[i] : &t->inputs[i].reader->parts[p];
    if (t->inputs[i].reader->marked) sq_origins_save(&part->origins, out);
  }
}

/* Restores a task's partitions and operators from a marker blob. */
static bool load_blob(sq_tasks_t *t, uint32_t p, task_t *k, const void *blob, size_t len) {
  sq_cursor_t in = sq_cursor(blob, len);
  if (sq_get_u64(&in) != t->n_inputs) return false;
  for (uint32_t i = 0; i < t->n_inputs; i++) {
    sq_reader_partition_t *part = &t->inputs[i].reader->parts[p];
    part->next_offset = sq_get_i64(&in);
    part->max_event_time = sq_get_i64(&in);
    k->watermark[i] = part->watermark = sq_get_i64(&in);
  }
  uint64_t n = sq_get_u64(&in);
  for (uint64_t i = 0; i < n && !in.failed; i++) {
    uint64_t id = sq_get_u64(&in);
    int64_t wm = sq_get_i64(&in);
    size_t rlen;
    const char *rec = sq_get_bytes(&in, &rlen);
    sq_op_t *op = id >= 1 && id <= k->plan->n_ops ? k->plan->ops[id - 1] : NULL;
    if (in.failed || !op) return false;
    op->watermark = wm;
    sq_cursor_t c = sq_cursor(rec, rlen);
    if (op->cls->load && !(op->cls->load(op, &c) && sq_cursor_done(&c))) return false;
  }
  for (uint32_t i = 0; i < t->n_inputs && !in.failed && !sq_cursor_done(&in); i++)
    if (t->inputs[i].reader->marked && !sq_origins_load(&t->inputs[i].reader->parts[p].origins, &in)) return false;
  return !in.failed && sq_cursor_done(&in);
}

typedef struct local_record {
  uint32_t partition;
  uint64_t writer, seq;
  int64_t from;
  const char *blob;
  size_t len;
} local_record_t;

static bool read_local(const sq_buf_t *b, local_record_t *r) {
  sq_cursor_t in = sq_cursor(b->data, b->len);
  r->partition = (uint32_t)sq_get_u64(&in);
  r->writer = sq_get_u64(&in);
  r->seq = sq_get_u64(&in);
  r->from = sq_get_i64(&in);
  r->blob = sq_get_bytes(&in, &r->len);
  return !in.failed && sq_cursor_done(&in);
}

static bool room(sq_tasks_t *t, uint32_t p) {
  if (p < t->n) return true;
  task_t *v = realloc(t->tasks, (p + 1) * sizeof *v);
  int64_t *m = realloc(t->marker_offsets, (p + 1) * sizeof *m);
  if (v) t->tasks = v;
  if (m) t->marker_offsets = m;
  if (!v || !m) return false;
  for (uint32_t i = t->n; i <= p; i++) {
    v[i] = (task_t){.changelog_from = -1};
    for (uint32_t j = 0; j < MAX_INPUTS; j++) v[i].watermark[j] = INT64_MIN;
  }
  t->n = p + 1;
  return true;
}

/* A task's series, made when this process first holds it (the tasks of
 * other processes are theirs to report). */
static void task_series(sq_tasks_t *t, uint32_t p) {
  task_t *k = &t->tasks[p];
  if (k->lag) return;
  char id[16];
  snprintf(id, sizeof id, "%u", p);
  const char *labels[] = {"source", t->reader->rel->name, "task", id, NULL};
  k->remaining = sq_metrics_gauge(t->rt->metrics, "streamq_restore_records_remaining",
                                  "Changelog records a task still has to restore before it runs", labels);
  k->lag = sq_metrics_gauge(t->rt->metrics, "streamq_task_lag", "Records a running task's partition lags behind its end", labels);
}

/* ---- checkpoints ---------------------------------------------------------------- */

static void save(void *ctx, uint64_t state_id, uint64_t seq, sq_buf_t *out) {
  sq_tasks_t *t = ctx;
  sq_buf_clear(&t->pub);
  t->pub_seq = seq;
  uint64_t n = 0;
  for (uint32_t p = 0; p < t->n; p++) n += t->tasks[p].phase >= TASK_RUNNING || t->tasks[p].record.len;
  sq_put_u64(out, n);
  sq_buf_t blob = {0};
  for (uint32_t p = 0; p < t->n; p++) {
    task_t *k = &t->tasks[p];
    if (k->phase < TASK_RUNNING) {
      if (k->record.len) sq_put_bytes(out, k->record.data, k->record.len); /* kept for a return */
      continue;
    }
    if (k->phase == TASK_LEAVING && !k->leave_seq) k->leave_seq = seq;
    sq_buf_clear(&blob);
    marker_blob(t, k, p, &blob);
    sq_buf_clear(&k->pending);
    local_record_t lr;
    if (k->record.len && read_local(&k->record, &lr) && lr.len == blob.len && memcmp(lr.blob, blob.data, blob.len) == 0) {
      /* nothing read, no watermark moved: no state changed either, and its
       * last marker still says it all (an idle task writes no markers) */
      sq_put_bytes(out, k->record.data, k->record.len);
      continue;
    }
    sq_put_u64(&k->pending, p);
    sq_put_u64(&k->pending, state_id);
    sq_put_u64(&k->pending, seq);
    sq_put_i64(&k->pending, k->changelog_from);
    sq_put_bytes(&k->pending, blob.data, blob.len);
    sq_put_bytes(out, k->pending.data, k->pending.len);
    sq_put_u64(&t->pub, p);
    sq_put_u64(&t->pub, state_id);
    sq_put_bytes(&t->pub, blob.data, blob.len);
    out->failed |= k->pending.failed | t->pub.failed;
  }
  out->failed |= blob.failed;
  sq_buf_free(&blob);
}

typedef struct publishing {
  sq_tasks_t *t;
  bool ok;
  char *err;
  size_t err_size;
} publishing_t;

/* A state key's task: its state partition's (engine/state.h). */
static uint32_t key_task(const char *key) { return be32(key + 4) / SQ_STATE_TASK_PARTITIONS; }

static void publish_put(void *ctx, const char *key, size_t len, const void *value, size_t value_len) {
  publishing_t *pb = ctx;
  pb->ok = pb->ok && sq_changelog_put(pb->t->changelog, key_task(key), key, len, value, value_len, pb->err, pb->err_size);
}

static void publish_range(void *ctx, const char *prefix, size_t len) {
  publishing_t *pb = ctx;
  pb->ok = pb->ok && sq_changelog_delete_range(pb->t->changelog, key_task(prefix), prefix, len, pb->err, pb->err_size);
}

/* The writer thread: the snapshot's changes, then each task's marker,
 * all acknowledged before the local write. */
static bool publish(void *ctx, sq_state_snapshot_t *snap, char *err, size_t err_size) {
  sq_tasks_t *t = ctx;
  if (!t->changelog) return true;
  char why[300] = "";
  publishing_t pb = {t, true, why, sizeof why};
  sq_state_snapshot_visit(snap, &(sq_state_visitor_t){publish_put, publish_range}, &pb);
  sq_cursor_t in = sq_cursor(t->pub.data, t->pub.len);
  while (pb.ok && !sq_cursor_done(&in)) {
    uint32_t p = (uint32_t)sq_get_u64(&in);
    uint64_t writer = sq_get_u64(&in);
    size_t len;
    const char *blob = sq_get_bytes(&in, &len);
    pb.ok = !in.failed && sq_changelog_mark(t->changelog, p, writer, t->pub_seq, blob, len, why, sizeof why);
  }
  pb.ok = pb.ok && sq_changelog_flush(t->changelog, t->marker_offsets, why, sizeof why);
  if (!pb.ok) snprintf(err, err_size, "changelog %s: %s", t->topic, why);
  return pb.ok;
}

/* A leaving task whose last changes are durable: out of memory (its
 * state stays on disk and in the changelog). */
static void retire(sq_tasks_t *t, uint32_t p) {
  task_t *k = &t->tasks[p];
  if (!sq_state_forget(t->tmpl->state, task_lo(p), task_lo(p + 1))) return; /* changed since: the next checkpoint */
  sq_plan_destroy_task(t->tmpl, k->plan);
  k->plan = NULL;
  k->phase = TASK_NONE;
  k->leave_seq = 0;
  for (uint32_t i = 0; i < t->n_inputs; i++) sq_origins_clear(&k->frozen[i].origins);
  sq_metric_set(k->lag, 0);
  if (!t->rt->quiet) sq_log("task revoked", "task %s/%u: state checkpointed, kept on disk", t->reader->rel->name, p);
}

static void published(void *ctx) {
  sq_tasks_t *t = ctx;
  t->checkpoint_seq = t->pub_seq;
  for (uint32_t p = 0; p < t->n; p++) {
    task_t *k = &t->tasks[p];
    if (k->phase < TASK_RUNNING) continue;
    if (k->pending.len) {
      sq_buf_clear(&k->record);
      sq_buf_append(&k->record, k->pending.data, k->pending.len);
      sq_buf_clear(&k->pending);
      if (t->changelog && t->marker_offsets[p] >= 0) k->changelog_from = t->marker_offsets[p] + 1;
    }
    if (k->phase == TASK_LEAVING && k->leave_seq && k->leave_seq <= t->pub_seq) retire(t, p);
  }
}

/* ---- restoring ----------------------------------------------------------------- */

/* Where the state directory notes that task p's keys were cleared after
 * checkpoint `seq`: that checkpoint's local record of p, if any, no
 * longer describes them. After every state key, apart from the store's
 * own (0xfffffffe, 0xffffffff). */
static void cleared_key(uint32_t p, char key[12]) {
  memcpy(key, "\xff\xff\xff\xfd", 4);
  for (int b = 0; b < 4; b++) key[4 + b] = (char)(p >> (24 - 8 * b));
  memcpy(key + 8, "task", 4);
}

/* Deletes task p's keys from the state directory (a full restore),
 * durably noting it first. */
static bool clear_local(sq_tasks_t *t, uint32_t p, char *err, size_t err_size) {
  sq_storage_t *db = sq_state_storage(t->tmpl->state);
  sq_storage_batch_t *batch = db ? sq_storage_batch_new(db) : NULL;
  if (!db) return true;
  if (!batch) return snprintf(err, err_size, "out of memory"), false;
  char key[12];
  cleared_key(p, key);
  sq_buf_t seq = {0};
  sq_put_u64(&seq, t->checkpoint_seq);
  sq_storage_batch_put(db, batch, key, sizeof key, seq.data, seq.len);
  bool ok = !seq.failed && sq_storage_write(db, batch, true, err, err_size);
  sq_buf_free(&seq);
  sq_storage_batch_free(db, batch);
  if (!ok) return false;
  if (!(batch = sq_storage_batch_new(db))) return snprintf(err, err_size, "out of memory"), false;
  for (uint32_t i = 0; ok && i < t->tmpl->n_ops; i++)
    for (uint32_t sp = task_lo(p); ok && sp < task_lo(p + 1); sp++) {
      char prefix[8];
      uint32_t op = (uint32_t)t->tmpl->ops[i]->id;
      for (int b = 0; b < 4; b++) prefix[b] = (char)(op >> (24 - 8 * b)), prefix[4 + b] = (char)(sp >> (24 - 8 * b));
      ok = sq_storage_batch_delete_prefix(db, batch, prefix, sizeof prefix, err, err_size);
    }
  ok = ok && sq_storage_write(db, batch, false, err, err_size);
  sq_storage_batch_free(db, batch);
  return ok;
}

/* Starts restoring task p: on top of its local record when it has one,
 * else from the changelog's beginning into a cleared range. */
static bool start_restore(sq_tasks_t *t, uint32_t p, bool use_local, int64_t now) {
  task_t *k = &t->tasks[p];
  char err[400] = "";
  local_record_t lr;
  bool local = use_local && k->record.len && read_local(&k->record, &lr);
  if (!sq_state_forget(t->tmpl->state, task_lo(p), task_lo(p + 1)))
    return sq_exec_fail(&t->tmpl->exec, "task %s/%u: its state is still changing", t->reader->rel->name, p);
  if (!local && !clear_local(t, p, err, sizeof err)) return sq_exec_fail(&t->tmpl->exec, "state: %s", err);
  if (!local) sq_buf_clear(&k->record);
  k->from_local = local;
  k->restore_started = sq_clock_seconds();
  k->phase = TASK_RESTORING;
  for (uint32_t i = 0; i < t->n_inputs; i++) {
    if (i) sq_reader_follow(t->inputs[i].reader, p, true);
    sq_reader_pause(t->inputs[i].reader, p);
  }
  if (!t->changelog) return true;
  k->restore = sq_changelog_restore_start(t->changelog, p, local ? lr.from : -1, local ? &lr.writer : NULL,
                                          local ? &lr.seq : NULL, err, sizeof err);
  if (k->restore) return true;
  if (local) {
    sq_log_warn("task restore", "task %s/%u: %s; restoring it whole from the changelog", t->reader->rel->name, p, err);
    return start_restore(t, p, false, now);
  }
  return sq_exec_fail(&t->tmpl->exec, "changelog %s: %s", t->topic, err);
}

/* The restored task runs: its operators are made and loaded, its
 * partition resumes where its state stands. */
static bool activate(sq_tasks_t *t, uint32_t p, int64_t now) {
  task_t *k = &t->tasks[p];
  char err[400];
  const void *blob = NULL;
  size_t len = 0;
  uint64_t applied = 0;
  local_record_t lr;
  bool have_local = k->record.len && read_local(&k->record, &lr);
  if (k->restore) {
    blob = sq_changelog_restore_blob(k->restore, &len);
    applied = sq_changelog_restore_applied(k->restore);
    int64_t marker = sq_changelog_restore_marker_offset(k->restore);
    k->changelog_from = marker >= 0 ? marker + 1 : have_local ? lr.from : 0;
  }
  if (!blob && have_local) blob = lr.blob, len = lr.len;
  if (!(k->plan = sq_plan_build_task(t->tmpl, p, err, sizeof err))) return sq_exec_fail(&t->tmpl->exec, "task: %s", err);
  for (uint32_t i = 0; i < t->n_inputs; i++) {
    sq_reader_partition_t *part = &t->inputs[i].reader->parts[p]; /* its counters go on */
    part->assigned = true;
    part->next_offset = part->saved_offset = -1;
    part->max_event_time = part->watermark = INT64_MIN;
    part->last_row_ms = now;
    k->watermark[i] = INT64_MIN;
  }
  bool loaded = !blob || load_blob(t, p, k, blob, len);
  sq_changelog_restore_free(k->restore); /* it owns the blob */
  k->restore = NULL;
  if (!loaded)
    return sq_exec_fail(&t->tmpl->exec, "corrupt state: task %s/%u cannot be restored; use --reset-state", t->reader->rel->name, p);
  for (uint32_t i = 0; i < t->n_inputs; i++) {
    sq_reader_partition_t *part = &t->inputs[i].reader->parts[p];
    part->saved_offset = part->next_offset;
    sq_reader_resume(t->inputs[i].reader, p, part->next_offset);
  }
  k->phase = TASK_RUNNING;
  sq_metric_set(k->remaining, 0);
  if (!t->rt->quiet)
    sq_log("task restored", "task %s/%u: %s, %" PRIu64 " records applied in %.3f s; reading from offset %" PRId64,
           t->reader->rel->name, p, !blob ? "fresh" : k->from_local ? "from local state" : "from the changelog", applied,
           sq_clock_seconds() - k->restore_started, t->reader->parts[p].next_offset);
  return true;
}

static bool step_restore(sq_tasks_t *t, uint32_t p, int64_t now) {
  task_t *k = &t->tasks[p];
  if (!k->restore) return activate(t, p, now);
  char err[400];
  int r = sq_changelog_restore_step(k->restore, sq_state_storage(t->tmpl->state), RESTORE_STEP, err, sizeof err);
  sq_metric_set(k->remaining, (double)sq_changelog_restore_remaining(k->restore));
  if (r > 0) return true;
  if (r == 0) return activate(t, p, now);
  sq_changelog_restore_free(k->restore);
  k->restore = NULL;
  if (k->from_local) {
    sq_log_warn("task restore", "task %s/%u: %s; restoring it whole from the changelog", t->reader->rel->name, p, err);
    return start_restore(t, p, false, now);
  }
  return sq_exec_fail(&t->tmpl->exec, "changelog %s: %s", t->topic, err);
}

/* A running task becomes leaving: it gets no more rows, and its
 * partitions are frozen as they stand. */
static void start_leaving(sq_tasks_t *t, uint32_t p) {
  task_t *k = &t->tasks[p];
  k->phase = TASK_LEAVING;
  k->leave_seq = 0;
  for (uint32_t i = 0; i < t->n_inputs; i++) {
    k->frozen[i] = t->inputs[i].reader->parts[p];
    t->inputs[i].reader->parts[p].origins = (sq_origins_t){0}; /* the frozen copy owns them now */
    if (i) sq_reader_follow(t->inputs[i].reader, p, false);
  }
}

/* ---- running ----------------------------------------------------------------- */

bool sq_tasks_sync(sq_tasks_t *t, int64_t now, bool *checkpoint) {
  *checkpoint = false;
  if (t->failed) return false; /* a revocation's checkpoint failed, and said why */
  sq_reader_t *r = t->reader;
  if (r->n_parts > t->n && !room(t, r->n_parts - 1)) return sq_exec_fail(&t->tmpl->exec, "out of memory");
  for (uint32_t p = 0; p < t->n; p++) {
    task_t *k = &t->tasks[p];
    bool assigned = p < r->n_parts && r->parts[p].assigned;
    if (assigned && k->phase == TASK_NONE) {
      task_series(t, p);
      if (!t->rt->quiet) sq_log("task assigned", "task %s/%u: restoring", r->rel->name, p);
      if (!start_restore(t, p, true, now)) return false;
    } else if (!assigned && k->phase == TASK_RESTORING) {
      sq_changelog_restore_free(k->restore); /* what it applied is replayed on a return */
      k->restore = NULL;
      k->phase = TASK_NONE;
      for (uint32_t i = 1; i < t->n_inputs; i++) sq_reader_follow(t->inputs[i].reader, p, false);
      if (!t->rt->quiet) sq_log("task revoked", "task %s/%u: while restoring", r->rel->name, p);
    } else if (!assigned && k->phase == TASK_RUNNING) {
      start_leaving(t, p); /* revoked without the callback (sq_tasks_on_revoke not set) */
    } else if (assigned && k->phase == TASK_LEAVING) {
      k->phase = TASK_RUNNING; /* back before it left: it never stopped */
      for (uint32_t i = 0; i < t->n_inputs; i++) {
        sq_reader_t *in = t->inputs[i].reader;
        if (i) sq_reader_follow(in, p, true);
        uint64_t records_in = in->parts[p].records_in, sampled = in->parts[p].sampled; /* counters go on */
        sq_origins_clear(&in->parts[p].origins);
        in->parts[p] = k->frozen[i];
        k->frozen[i].origins = (sq_origins_t){0}; /* the partition owns them again */
        in->parts[p].assigned = true;
        in->parts[p].records_in = records_in;
        in->parts[p].sampled = sampled;
        sq_reader_resume(in, p, k->frozen[i].next_offset);
      }
    }
    if (k->phase == TASK_RESTORING && !step_restore(t, p, now)) return false;
    *checkpoint |= k->phase == TASK_LEAVING && !k->leave_seq;
    if (k->phase == TASK_RUNNING && r->parts[p].lag >= 0) sq_metric_set(k->lag, (double)r->parts[p].lag);
  }
  return true;
}

/* Adds what a task's operators counted to the template's, which the
 * metrics and the run's summary read. */
static void fold_counts(sq_plan_t *tmpl, sq_plan_t *task) {
  tmpl->exec.late_records += task->exec.late_records;
  tmpl->exec.div_by_zero += task->exec.div_by_zero;
  task->exec.late_records = task->exec.div_by_zero = 0;
  for (uint32_t i = 0; i < task->n_ops && i < tmpl->n_ops; i++) {
    sq_op_t *to = tmpl->ops[i], *from = task->ops[i];
    to->records += from->records, to->late += from->late, to->busy += from->busy;
    from->records = from->late = 0, from->busy = 0;
    if (from->watermark > to->watermark) to->watermark = from->watermark;
  }
}

static bool task_failed(sq_tasks_t *t, const task_t *k) {
  return sq_exec_fail(&t->tmpl->exec, "%s", k->plan->exec.error);
}

static bool advance_task(sq_tasks_t *t, task_t *k, uint32_t input, int64_t wm) {
  if (wm <= k->watermark[input]) return true;
  k->watermark[input] = wm;
  const sq_plan_source_t *src = &k->plan->sources[t->inputs[input].src_index];
  for (uint32_t c = 0; c < src->n_consumers; c++)
    if (!sq_op_advance(src->consumers[c], wm)) return task_failed(t, k);
  sq_arena_reset(&k->plan->exec.arena);
  fold_counts(t->tmpl, k->plan);
  return true;
}

bool sq_tasks_push(sq_tasks_t *t, uint32_t input, const sq_batch_t *b) {
  int64_t now = t->tmpl->exec.now_ms;
  int col = t->inputs[input].partition_col;
  for (uint32_t start = 0, end; start < b->n; start = end) {
    uint32_t p = (uint32_t)sq_batch_row(b, start)[col].u.i;
    for (end = start + 1; end < b->n && (uint32_t)sq_batch_row(b, end)[col].u.i == p;) end++;
    task_t *k = p < t->n ? &t->tasks[p] : NULL;
    if (!k || k->phase != TASK_RUNNING) continue;
    /* the run of rows as a batch of its own: they are not copied */
    sq_batch_t run = {.n = end - start, .width = b->width, .cap = end - start, .rows = sq_batch_row(b, start),
                      .times = b->times + start, .wms = b->wms + start};
    k->plan->exec.now_ms = now;
    const sq_plan_source_t *src = &k->plan->sources[t->inputs[input].src_index];
    for (uint32_t c = 0; c < src->n_consumers; c++)
      if (!sq_op_push(src->consumers[c], &run)) return task_failed(t, k);
    sq_arena_reset(&k->plan->exec.arena);
    if (!advance_task(t, k, input, run.wms[run.n - 1])) return false;
    fold_counts(t->tmpl, k->plan);
  }
  return true;
}

bool sq_tasks_advance(sq_tasks_t *t, int64_t now) {
  for (uint32_t p = 0; p < t->n; p++) {
    task_t *k = &t->tasks[p];
    if (k->phase != TASK_RUNNING) continue;
    k->plan->exec.now_ms = now;
    for (uint32_t i = 0; i < t->n_inputs; i++)
      if (!advance_task(t, k, i, sq_reader_partition_watermark(t->inputs[i].reader, p, now))) return false;
  }
  return true;
}

/* The leader's partitions are about to be revoked (in the rebalance
 * callback): their running tasks leave through a checkpoint taken now and
 * waited for, so the new owner's restore finds their last changes. */
static void revoking(void *ctx, const uint32_t *parts, uint32_t n) {
  sq_tasks_t *t = ctx;
  bool leaving = false;
  for (uint32_t i = 0; i < n; i++)
    if (parts[i] < t->n && t->tasks[parts[i]].phase == TASK_RUNNING) start_leaving(t, parts[i]), leaving = true;
  if (leaving && t->checkpoint && !t->checkpoint(t->checkpoint_ctx)) t->failed = true;
}

void sq_tasks_on_revoke(sq_tasks_t *t, bool (*checkpoint)(void *ctx), void *ctx) {
  t->checkpoint = checkpoint;
  t->checkpoint_ctx = ctx;
  t->reader->revoking = revoking;
  t->reader->revoking_ctx = t;
}

void sq_tasks_describe(const sq_tasks_t *t, sq_buf_t *json) {
  static const char *const phases[] = {"idle", "restoring", "running", "leaving"};
  sq_buf_puts(json, ",\"tasks\":[");
  for (uint32_t p = 0, n = 0; p < t->n; p++) {
    const task_t *k = &t->tasks[p];
    if (k->phase == TASK_NONE) continue;
    char item[200];
    int64_t lag = p < t->reader->n_parts ? t->reader->parts[p].lag : -1;
    int64_t remaining = k->restore ? sq_changelog_restore_remaining(k->restore) : 0;
    snprintf(item, sizeof item, "%s{\"task\":%u,\"state\":\"%s\",\"lag\":%lld,\"restore_records_remaining\":%lld}", n++ ? "," : "", p,
             phases[k->phase], (long long)lag, (long long)remaining);
    sq_buf_puts(json, item);
  }
  sq_buf_putc(json, ']');
}

/* ---- setting up -------------------------------------------------------------- */

/* The source topic's partition count (the changelog gets as many). */
static int32_t topic_partitions(const sq_runtime_t *rt, const char *topic, char *err, size_t err_size) {
  rd_kafka_t *rk = sq_kafka_inspector_new(&rt->kafka, err, err_size);
  sq_kafka_topic_list_t list = {0};
  bool ok = rk && sq_kafka_topics(rk, topic, false, 10000, &list, err, err_size) && list.n == 1;
  int32_t n = ok ? list.topics[0].n_parts : -1;
  sq_kafka_topic_list_free(&list);
  if (rk) rd_kafka_destroy(rk);
  return n;
}

/* Whether task p's keys were cleared after the checkpoint restored from
 * was written (a full restore that a crash interrupted). */
static bool cleared_since(sq_tasks_t *t, uint32_t p) {
  sq_storage_t *db = sq_state_storage(t->tmpl->state);
  char key[12], err[200];
  sq_buf_t value = {0};
  cleared_key(p, key);
  bool cleared = false;
  if (db && sq_storage_get(db, key, sizeof key, &value, err, sizeof err) > 0) {
    sq_cursor_t in = sq_cursor(value.data, value.len);
    cleared = sq_get_u64(&in) >= t->checkpoint_seq;
  }
  sq_buf_free(&value);
  return cleared;
}

/* The local records of the checkpoint restored from, by partition. */
static bool load_records(sq_tasks_t *t, sq_checkpointer_t *cp) {
  sq_cursor_t in;
  if (!sq_checkpointer_tasks_record(cp, &in)) return true;
  uint64_t n = sq_get_u64(&in);
  for (uint64_t i = 0; i < n && !in.failed; i++) {
    size_t len;
    const char *rec = sq_get_bytes(&in, &len);
    sq_buf_t b = {.data = (char *)rec, .len = len};
    local_record_t lr;
    if (in.failed || !read_local(&b, &lr) || !room(t, lr.partition)) return false;
    if (!cleared_since(t, lr.partition)) sq_buf_append(&t->tasks[lr.partition].record, rec, len);
  }
  return !in.failed;
}

/* A source's topic and its partition count (-1 with `err`). */
static int32_t source_partitions(const sq_runtime_t *rt, const sq_relation_t *rel, char *topic, size_t size, char *err,
                                 size_t err_size) {
  char *name = sq_option_string(rel, "topic", err, err_size);
  snprintf(topic, size, "%s", name ? name : "");
  free(name);
  return topic_partitions(rt, topic, err, err_size);
}

sq_tasks_t *sq_tasks_new(sq_plan_t *plan, uint32_t src_index, sq_reader_t *reader, sq_checkpointer_t *cp, sq_runtime_t *rt,
                         char *err, size_t err_size) {
  sq_tasks_t *t = calloc(1, sizeof *t);
  if (!t) return snprintf(err, err_size, "out of memory"), NULL;
  *t = (sq_tasks_t){.tmpl = plan, .reader = reader, .rt = rt, .n_inputs = 1};
  t->inputs[0] = (task_input_t){reader, src_index, sq_relation_find_column(reader->rel, "_partition")};
  reader->per_partition = true;
  t->checkpoint_seq = sq_checkpointer_sequence(cp);
  char topic[256];
  if ((t->partitions = source_partitions(rt, reader->rel, topic, sizeof topic, err, err_size)) <= 0 ||
      !room(t, (uint32_t)t->partitions - 1)) {
    if (t->partitions > 0) snprintf(err, err_size, "out of memory");
    sq_tasks_free(t);
    return NULL;
  }
  if (!load_records(t, cp)) {
    snprintf(err, err_size, "corrupt state: the tasks' checkpoint record cannot be read; use --reset-state to start over");
    sq_tasks_free(t);
    return NULL;
  }
  sq_kafka_changelog_topic(reader->rel, rt, t->topic, sizeof t->topic);
  if (rt->changelog && !(t->changelog = sq_changelog_open(&rt->kafka, t->topic, (uint32_t)t->partitions, err, err_size))) {
    sq_tasks_free(t);
    return NULL;
  }
  sq_checkpointer_set_tasks(cp, &(sq_checkpoint_tasks_t){save, publish, published, t});
  return t;
}

bool sq_tasks_follow(sq_tasks_t *t, uint32_t src_index, sq_reader_t *reader, char *err, size_t err_size) {
  char topic[256], leader[256];
  int32_t n = source_partitions(t->rt, reader->rel, topic, sizeof topic, err, err_size);
  if (n <= 0) return false;
  if (n != t->partitions) {
    char *name = sq_option_string(t->reader->rel, "topic", err, err_size);
    snprintf(leader, sizeof leader, "%s", name ? name : "");
    free(name);
    snprintf(err, err_size, "sources '%s' and '%s' are joined per partition, so their topics must have as many partitions: "
             "%s has %d, %s has %d", t->reader->rel->name, reader->rel->name, leader, t->partitions, topic, n);
    return false;
  }
  if (t->n_inputs == MAX_INPUTS) return snprintf(err, err_size, "at most %d partitioned sources", MAX_INPUTS), false;
  t->inputs[t->n_inputs++] = (task_input_t){reader, src_index, sq_relation_find_column(reader->rel, "_partition")};
  reader->per_partition = true;
  return true;
}

void sq_tasks_free(sq_tasks_t *t) {
  if (!t) return;
  t->reader->revoking = NULL; /* closing the consumer revokes everything: nothing left to checkpoint */
  for (uint32_t p = 0; p < t->n; p++) {
    task_t *k = &t->tasks[p];
    sq_changelog_restore_free(k->restore); /* the plans are the template's to free */
    for (uint32_t i = 0; i < t->n_inputs; i++) sq_origins_clear(&k->frozen[i].origins); /* a task still leaving */
    sq_buf_free(&k->record);
    sq_buf_free(&k->pending);
  }
  if (t->changelog) sq_changelog_close(t->changelog);
  sq_buf_free(&t->pub);
  free(t->tasks);
  free(t->marker_offsets);
  free(t);
}
