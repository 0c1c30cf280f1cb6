/* The checkpoint record:
 *   "streamq-checkpoint-1", sequence, finished, state directory id,
 *   stateful operators: n, then "#id Class: query text" each,
 *   sources: n, then (name, reader record) each,
 *   sinks: n, then (name, sink record) each,
 *   operators: n, then (id, watermark, operator record) each,
 *   and for a pipeline running as tasks, the tasks' record (tasks.c).
 * A restart may reuse state only for the same stateful queries at the
 * same operator ids; a stateless query may change, and a new stateful
 * query starts empty.
 *
 * Threads (docs/ARCHITECTURE.md §3, §4): a checkpoint starts on the engine
 * thread (sinks flushed, record built, state snapshot taken) and is
 * written by the writer thread this file owns, while the engine goes on;
 * it completes on the engine thread (positions committed, transactions
 * sent) once the engine sees the write done. The writer thread touches
 * only the snapshot it was handed (engine/state.h: immutable until
 * finished) and LevelDB; `job` and `job_done` pass between the threads
 * under `lock`; everything else here is the engine thread's. */
#include "runtime/app/checkpoint.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "runtime/kit/crash_point.h"
#include "runtime/kit/clock.h"
#include "runtime/kit/log.h"
#include "runtime/kit/state_leveldb.h"

#define RECORD_TAG "streamq-checkpoint-1"

struct sq_checkpointer {
  char *dir;
  uint64_t seq;
  uint64_t state_id; /* random, made when the directory starts fresh */
  sq_buf_t last;     /* the record restored from (empty on a fresh start) */
  sq_cursor_t sources; /* where its sources start in `last` */
  sq_buf_t record;   /* the one being built */
  const char *text;  /* the pipeline's source text (borrowed) */
  sq_state_t *state; /* the plan's (borrowed) */
  /* the writer thread */
  pthread_t writer;
  bool writer_started, quit; /* quit: under lock */
  pthread_mutex_t lock;
  pthread_cond_t cond;
  sq_state_snapshot_t *job; /* under lock: handed to the writer, until job_done */
  bool job_done;
  /* the checkpoint out (engine thread) */
  sq_state_snapshot_t *flight;
  double flight_started, flight_stall;
  sq_sink_t **sinks; /* the plan's, for the writer thread: those with `durable` are waited for */
  uint32_t n_sinks;
  size_t finished_at; /* where the record's "finished" flag is */
  sq_checkpoint_tasks_t tasks; /* all NULL: not running as tasks */
  sq_cursor_t tasks_record;    /* in `last`; empty when it has none */
};

/* Writes a snapshot, after publishing it for the tasks (writer thread). */
static void write_job(sq_checkpointer_t *cp, sq_state_snapshot_t *snap) {
  char err[300], why[256];
  for (uint32_t i = 0; i < cp->n_sinks; i++) {
    sq_sink_t *sink = cp->sinks[i];
    if (!sink->cls->durable || sink->cls->durable(sink, why, sizeof why)) continue;
    snprintf(err, sizeof err, "sink '%s': %s", sink->name, why);
    sq_state_snapshot_refuse(snap, err);
    return;
  }
  if (cp->tasks.publish && !cp->tasks.publish(cp->tasks.ctx, snap, err, sizeof err)) sq_state_snapshot_refuse(snap, err);
  else sq_state_snapshot_write(snap);
}

/* The writer thread: writes each snapshot handed over (crash point
 * "checkpoint-writing": killed while it writes). */
static void *write_snapshots(void *arg) {
  sq_checkpointer_t *cp = arg;
  pthread_mutex_lock(&cp->lock);
  for (;;) {
    while ((!cp->job || cp->job_done) && !cp->quit) pthread_cond_wait(&cp->cond, &cp->lock);
    if (cp->quit) break;
    sq_state_snapshot_t *snap = cp->job;
    pthread_mutex_unlock(&cp->lock);
    sq_crash_point("checkpoint-writing");
    write_job(cp, snap);
    pthread_mutex_lock(&cp->lock);
    cp->job_done = true;
    pthread_cond_broadcast(&cp->cond);
  }
  pthread_mutex_unlock(&cp->lock);
  return NULL;
}

static bool corrupt(sq_checkpointer_t *cp, char *err, size_t err_size) {
  snprintf(err, err_size, "corrupt state: the last checkpoint record in %s cannot be read; use --reset-state to start over",
           cp->dir);
  return false;
}

/* Opens the database, wiping it first with `reset`. */
static sq_storage_t *open_db(const char *dir, bool reset, char *err, size_t err_size) {
  if (reset && !sq_leveldb_remove(dir, err, err_size)) return NULL;
  return sq_leveldb_open(dir, err, err_size);
}

/* Reads the record's header: sequence and whether the run finished. */
static bool read_header(sq_checkpointer_t *cp, bool *finished) {
  sq_cursor_t in = sq_cursor(cp->last.data, cp->last.len);
  size_t len;
  const char *tag = sq_get_bytes(&in, &len);
  cp->seq = sq_get_u64(&in);
  *finished = sq_get_u64(&in) != 0;
  cp->state_id = sq_get_u64(&in);
  return !in.failed && len == strlen(RECORD_TAG) && memcmp(tag, RECORD_TAG, len) == 0;
}

/* 64 random bits (the clock and pid if /dev/urandom fails). */
static uint64_t random_id(void) {
  uint64_t id = 0;
  FILE *f = fopen("/dev/urandom", "rb");
  if (!f || fread(&id, sizeof id, 1, f) != 1) id = (uint64_t)time(NULL) * 2654435761u ^ (uint64_t)getpid() << 32;
  if (f) fclose(f);
  return id;
}

sq_checkpointer_t *sq_checkpointer_open(const char *dir, bool reset, bool quiet, size_t cache_bytes, sq_state_t **state,
                                        char *err, size_t err_size) {
  *state = NULL;
  sq_checkpointer_t *cp = calloc(1, sizeof *cp);
  if (!cp || !(cp->dir = strdup(dir))) {
    free(cp);
    return snprintf(err, err_size, "out of memory"), NULL;
  }
  pthread_mutex_init(&cp->lock, NULL);
  pthread_cond_init(&cp->cond, NULL);
  sq_storage_t *db = open_db(dir, reset, err, err_size);
  int found = db ? sq_state_storage_meta(db, &cp->last, err, err_size) : -1;
  bool finished = false;
  if (found > 0 && !read_header(cp, &finished)) {
    corrupt(cp, err, err_size);
    found = -1;
  }
  if (found > 0 && finished) {
    /* a finite run that completed: running it again starts over */
    if (!quiet) sq_log("state", "%s holds a finished run (checkpoint %llu); starting over", dir, (unsigned long long)cp->seq);
    sq_storage_close(db);
    cp->seq = 0;
    sq_buf_clear(&cp->last);
    db = open_db(dir, true, err, err_size);
    found = db ? 0 : -1;
  }
  if (found < 0 || !(*state = sq_state_new(db, cache_bytes, err, err_size))) {
    if (found < 0) sq_storage_close(db);
    sq_checkpointer_close(cp);
    return NULL;
  }
  cp->state = *state;
  if (found > 0 && !quiet) sq_log("state", "restoring checkpoint %llu from %s", (unsigned long long)cp->seq, dir);
  else cp->state_id = random_id();
  return cp;
}

void sq_checkpointer_close(sq_checkpointer_t *cp) {
  if (!cp) return;
  if (cp->writer_started) {
    pthread_mutex_lock(&cp->lock);
    cp->quit = true;
    pthread_cond_broadcast(&cp->cond);
    pthread_mutex_unlock(&cp->lock);
    pthread_join(cp->writer, NULL);
  }
  pthread_mutex_destroy(&cp->lock);
  pthread_cond_destroy(&cp->cond);
  sq_buf_free(&cp->last);
  sq_buf_free(&cp->record);
  free(cp->dir);
  free(cp);
}

uint64_t sq_checkpointer_sequence(const sq_checkpointer_t *cp) { return cp->seq; }

/* ---- what identifies the state ------------------------------------------ */

/* "#id Class: query text" with runs of white space made one space, into
 * `line` (cleared first). */
static void identity(sq_buf_t *line, const sq_op_t *op, const char *text) {
  char head[96];
  snprintf(head, sizeof head, "#%d %s: ", op->id, op->cls->name);
  sq_buf_clear(line);
  sq_buf_puts(line, head);
  const char *p = text + op->query->span.start, *end = text + op->query->span.end;
  for (bool space = false; p < end; p++) {
    bool ws = *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r';
    if (ws && !space) sq_buf_putc(line, ' ');
    if (!ws) sq_buf_putc(line, *p);
    space = ws;
  }
}

static const sq_op_t *op_by_id(const sq_plan_t *plan, uint64_t id) {
  for (uint32_t i = 0; i < plan->n_ops; i++)
    if ((uint64_t)plan->ops[i]->id == id) return plan->ops[i];
  return NULL;
}

/* Every stateful operator of the checkpoint must be the same query now. */
static bool check_identity(sq_checkpointer_t *cp, const sq_plan_t *plan, const char *text, sq_cursor_t *in, char *err,
                           size_t err_size) {
  uint64_t n = sq_get_u64(in);
  for (uint64_t i = 0; i < n && !in->failed; i++) {
    size_t len;
    const char *was = sq_get_bytes(in, &len);
    const char *hash = was ? memchr(was, ' ', len) : NULL;
    if (!hash) return corrupt(cp, err, err_size);
    const sq_op_t *op = op_by_id(plan, strtoull(was + 1, NULL, 10));
    sq_buf_t now = {0};
    if (op) identity(&now, op, text);
    bool same = op && now.len == len && memcmp(now.data, was, len) == 0;
    if (!same)
      snprintf(err, err_size, "the pipeline changed since checkpoint %llu in %s (restore the query, or run with --reset-state "
               "to discard the state): operator %.*s; now %s%.*s", (unsigned long long)cp->seq, cp->dir, (int)len, was,
               op ? "" : "gone", (int)now.len, op && now.data ? now.data : "");
    sq_buf_free(&now);
    if (!same) return false;
  }
  return !in->failed || corrupt(cp, err, err_size);
}

/* ---- restoring ------------------------------------------------------------ */

/* Sources and sinks are lists of (name, record). Finds `name`'s record in
 * the list at `list` (a copy of the cursor); false if absent or corrupt. */
static bool find_named(sq_cursor_t list, const char *name, sq_cursor_t *record) {
  uint64_t n = sq_get_u64(&list);
  for (uint64_t i = 0; i < n && !list.failed; i++) {
    size_t len, rlen;
    const char *key = sq_get_bytes(&list, &len);
    const char *rec = sq_get_bytes(&list, &rlen);
    if (!list.failed && len == strlen(name) && memcmp(key, name, len) == 0) {
      *record = sq_cursor(rec, rlen);
      return true;
    }
  }
  return false;
}

static bool skip_named(sq_cursor_t *in) {
  uint64_t n = sq_get_u64(in);
  size_t len;
  for (uint64_t i = 0; i < n && !in->failed; i++) sq_get_bytes(in, &len), sq_get_bytes(in, &len);
  return !in->failed;
}

/* Brings every sink back to its checkpointed record (a fresh start for a
 * sink the checkpoint does not know). */
static bool restore_sinks(sq_plan_t *plan, const sq_cursor_t *list, sq_checkpoint_id_t id, char *err, size_t err_size) {
  for (uint32_t s = 0; s < plan->n_sinks; s++) {
    sq_sink_t *sink = plan->sinks[s];
    if (!sink->cls->resume) continue;
    sq_cursor_t rec;
    bool known = list && find_named(*list, sink->name, &rec);
    char why[400];
    if (!sink->cls->resume(sink, known ? &rec : NULL, id, why, sizeof why)) {
      snprintf(err, err_size, "sink '%s': %s", sink->name, why);
      return false;
    }
  }
  return true;
}

static bool restore_ops(sq_checkpointer_t *cp, sq_plan_t *plan, sq_cursor_t *in, char *err, size_t err_size) {
  uint64_t n = sq_get_u64(in);
  for (uint64_t i = 0; i < n && !in->failed; i++) {
    uint64_t id = sq_get_u64(in);
    int64_t watermark = sq_get_i64(in);
    size_t len;
    const char *rec = sq_get_bytes(in, &len);
    sq_op_t *op = (sq_op_t *)op_by_id(plan, id);
    if (in->failed || !op) continue; /* an operator of a stateless query that is gone */
    op->watermark = watermark;
    sq_cursor_t c = sq_cursor(rec, len);
    if (op->cls->load && !(op->cls->load(op, &c) && sq_cursor_done(&c))) {
      /* an operator refuses a record of a state layout it no longer reads */
      snprintf(err, err_size, "corrupt state or state of another version: the checkpoint record of operator #%d %s in %s "
               "cannot be read (a streamq of another version may have written it); use --reset-state to start over",
               op->id, op->cls->name, cp->dir);
      return false;
    }
  }
  return !in->failed || corrupt(cp, err, err_size);
}

bool sq_checkpointer_restore_plan(sq_checkpointer_t *cp, sq_plan_t *plan, const char *text, char *err, size_t err_size) {
  cp->text = text;
  if (!cp->last.len) return restore_sinks(plan, NULL, (sq_checkpoint_id_t){cp->state_id, 0}, err, err_size);
  sq_cursor_t in = sq_cursor(cp->last.data, cp->last.len);
  size_t len;
  sq_get_bytes(&in, &len);
  sq_get_u64(&in);
  sq_get_u64(&in);
  sq_get_u64(&in);
  if (!check_identity(cp, plan, text, &in, err, err_size)) return false;
  cp->sources = in;
  if (!skip_named(&in)) return corrupt(cp, err, err_size);
  sq_cursor_t sinks = in;
  if (!skip_named(&in)) return corrupt(cp, err, err_size);
  if (!restore_sinks(plan, &sinks, (sq_checkpoint_id_t){cp->state_id, cp->seq}, err, err_size) ||
      !restore_ops(cp, plan, &in, err, err_size))
    return false;
  if (!sq_cursor_done(&in)) {
    size_t tlen;
    const char *tasks = sq_get_bytes(&in, &tlen);
    if (in.failed) return corrupt(cp, err, err_size);
    cp->tasks_record = sq_cursor(tasks, tlen);
  }
  return true;
}

void sq_checkpointer_set_tasks(sq_checkpointer_t *cp, const sq_checkpoint_tasks_t *tasks) { cp->tasks = *tasks; }

bool sq_checkpointer_tasks_record(const sq_checkpointer_t *cp, sq_cursor_t *out) {
  *out = cp->tasks_record;
  return cp->tasks_record.p != NULL;
}

uint64_t sq_checkpointer_state_id(const sq_checkpointer_t *cp) { return cp->state_id; }

bool sq_checkpointer_restore_reader(sq_checkpointer_t *cp, sq_reader_t *r, char *err, size_t err_size) {
  sq_cursor_t rec;
  if (!cp->last.len || !find_named(cp->sources, r->rel->name, &rec)) return true;
  if (!sq_reader_load(r, &rec, err, err_size)) return false;
  return sq_cursor_done(&rec) || corrupt(cp, err, err_size);
}

/* ---- taking one ------------------------------------------------------------ */

/* Waits for the writer to be done with the checkpoint out (asking its
 * range cleanup to stop first), or only looks with !wait; the snapshot
 * once written, else NULL. */
static sq_state_snapshot_t *written(sq_checkpointer_t *cp, bool wait) {
  if (wait) sq_state_snapshot_interrupt(cp->flight);
  pthread_mutex_lock(&cp->lock);
  while (wait && !cp->job_done) pthread_cond_wait(&cp->cond, &cp->lock);
  sq_state_snapshot_t *snap = cp->job_done ? cp->job : NULL;
  if (snap) cp->job = NULL;
  pthread_mutex_unlock(&cp->lock);
  return snap;
}

bool sq_checkpointer_complete(sq_checkpointer_t *cp, sq_plan_t *plan, sq_reader_t *const *readers, uint32_t n_readers, bool wait,
                              sq_checkpoint_result_t *done, char *err, size_t err_size) {
  *done = (sq_checkpoint_result_t){0};
  sq_state_snapshot_t *snap = cp->flight ? written(cp, wait) : NULL;
  if (!snap) return true;
  double started = sq_clock_seconds();
  cp->flight = NULL;
  sq_state_commit_stats_t stats;
  if (!sq_state_snapshot_finish(cp->state, snap, &stats, err, err_size)) return false;
  /* durable: what happens after it may assume it */
  sq_crash_point("checkpoint-written");
  cp->seq++;
  if (cp->tasks.published) cp->tasks.published(cp->tasks.ctx);
  for (uint32_t i = 0; i < n_readers; i++)
    if (readers[i]->cls->checkpointed) readers[i]->cls->checkpointed(readers[i]);
  /* transactional sinks commit what it recorded (a failure here leaves
   * their records for the next checkpoint) */
  char why[400];
  for (uint32_t i = 0; i < plan->n_sinks; i++) {
    sq_sink_t *sink = plan->sinks[i];
    if (sink->cls->checkpointed && !sink->cls->checkpointed(sink, (sq_checkpoint_id_t){cp->state_id, cp->seq}, why, sizeof why))
      return snprintf(err, err_size, "sink '%s': %s", sink->name, why), false;
  }
  double now = sq_clock_seconds();
  *done = (sq_checkpoint_result_t){cp->seq, now - cp->flight_started, cp->flight_stall + (now - started), stats.bytes, stats.written,
                                   stats.deleted};
  return true;
}

void sq_checkpointer_abandon(sq_checkpointer_t *cp) {
  if (!cp->flight) return;
  sq_state_snapshot_t *snap = written(cp, true);
  sq_state_commit_stats_t stats;
  char err[300];
  cp->flight = NULL;
  sq_state_snapshot_finish(cp->state, snap, &stats, err, sizeof err);
}

static void put_named(sq_buf_t *out, const char *name, const sq_buf_t *rec) {
  sq_put_str(out, name);
  sq_put_bytes(out, rec->data, rec->len);
}

/* The checkpoint record of the plan as it stands, into cp->record. */
static bool build_record(sq_checkpointer_t *cp, sq_plan_t *plan, sq_reader_t *const *readers, uint32_t n_readers) {
  sq_buf_t *b = &cp->record, rec = {0};
  sq_buf_clear(b);
  sq_put_str(b, RECORD_TAG);
  sq_put_u64(b, cp->seq + 1);
  cp->finished_at = b->len;
  sq_put_u64(b, 0); /* finished: set by sq_checkpointer_finish_run */
  sq_put_u64(b, cp->state_id);
  uint64_t n_stateful = 0;
  for (uint32_t i = 0; i < plan->n_ops; i++) n_stateful += plan->ops[i]->cls->keeps_state;
  sq_put_u64(b, n_stateful);
  for (uint32_t i = 0; i < plan->n_ops; i++) {
    if (!plan->ops[i]->cls->keeps_state) continue;
    identity(&rec, plan->ops[i], cp->text);
    sq_put_bytes(b, rec.data, rec.len);
  }
  sq_put_u64(b, n_readers);
  for (uint32_t i = 0; i < n_readers; i++) {
    sq_buf_clear(&rec);
    sq_reader_save(readers[i], &rec);
    put_named(b, readers[i]->rel->name, &rec);
  }
  uint64_t n_saved = 0;
  for (uint32_t i = 0; i < plan->n_sinks; i++) n_saved += plan->sinks[i]->cls->save != NULL;
  sq_put_u64(b, n_saved);
  for (uint32_t i = 0; i < plan->n_sinks; i++) {
    if (!plan->sinks[i]->cls->save) continue;
    sq_buf_clear(&rec);
    plan->sinks[i]->cls->save(plan->sinks[i], &rec);
    put_named(b, plan->sinks[i]->name, &rec);
  }
  sq_put_u64(b, plan->n_ops);
  for (uint32_t i = 0; i < plan->n_ops; i++) {
    const sq_op_t *op = plan->ops[i];
    sq_buf_clear(&rec);
    if (op->cls->save) op->cls->save(op, &rec);
    sq_put_u64(b, (uint64_t)op->id);
    sq_put_i64(b, op->watermark);
    sq_put_bytes(b, rec.data, rec.len);
  }
  if (cp->tasks.save) {
    sq_buf_clear(&rec);
    cp->tasks.save(cp->tasks.ctx, cp->state_id, cp->seq + 1, &rec);
    sq_put_bytes(b, rec.data, rec.len);
  }
  bool ok = !b->failed && !rec.failed;
  sq_buf_free(&rec);
  return ok;
}

bool sq_checkpointer_take(sq_checkpointer_t *cp, sq_plan_t *plan, sq_reader_t *const *readers, uint32_t n_readers, bool last,
                          sq_checkpoint_result_t *done, char *err, size_t err_size) {
  double started = sq_clock_seconds();
  if (!sq_checkpointer_complete(cp, plan, readers, n_readers, true, done, err, err_size)) return false;
  /* sinks first: the record about to be written holds their positions,
   * so what they wrote must be durable before it (here, or for sinks with
   * a barrier on the writer thread before the record is written) */
  char why[400];
  for (uint32_t i = 0; i < plan->n_sinks; i++) {
    sq_sink_t *sink = plan->sinks[i];
    if (!(sink->cls->barrier ? sink->cls->barrier : sink->cls->flush)(sink, why, sizeof why))
      return snprintf(err, err_size, "sink '%s': %s", sink->name, why), false;
  }
  cp->sinks = plan->sinks; /* the writer thread waits for the barriers' output */
  cp->n_sinks = plan->n_sinks;
  if (!build_record(cp, plan, readers, n_readers)) return snprintf(err, err_size, "out of memory"), false;
  /* the last one need not delete closed windows' keys: a finished run's
   * directory starts over, a stopped one's restart goes on with it */
  sq_state_snapshot_t *snap = sq_state_snapshot(cp->state, cp->record.data, cp->record.len, !last, err, err_size);
  if (!snap) return false;
  if (!cp->writer_started) cp->writer_started = pthread_create(&cp->writer, NULL, write_snapshots, cp) == 0;
  if (!cp->writer_started) write_job(cp, snap); /* no thread: written here */
  pthread_mutex_lock(&cp->lock);
  cp->job = snap;
  cp->job_done = !cp->writer_started;
  pthread_cond_broadcast(&cp->cond);
  pthread_mutex_unlock(&cp->lock);
  cp->flight = snap;
  cp->flight_started = started;
  cp->flight_stall = sq_clock_seconds() - started;
  return true;
}

bool sq_checkpointer_finish_run(sq_checkpointer_t *cp, char *err, size_t err_size) {
  /* A finished run is only marked so now, once the last checkpoint's sinks
   * committed: a crash before this point restarts from that checkpoint,
   * and its sinks finish their part. */
  cp->record.data[cp->finished_at] = 1;
  sq_state_commit_stats_t stats;
  return sq_state_commit(cp->state, cp->record.data, cp->record.len, &stats, err, err_size);
}
