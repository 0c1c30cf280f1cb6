/* The run loop. Readers are visited round-robin so a fast source cannot
 * starve a slow one. After each batch the source's watermark is recomputed
 * and, when it moved, pushed to its consumers; the end of a finite source
 * pushes SQ_WATERMARK_END, which closes every window. When no reader had
 * anything, the loop sleeps briefly instead of spinning. Tables are read
 * alone until each has caught up with where it stood at start, so the
 * first stream row joined with a table sees all of it. Sources are kept
 * roughly aligned in event time: one whose watermark is ahead of the
 * slowest source still delivering rows by more than ALIGN_MS sits out a
 * round, so a join of two streams read at different speeds keeps only
 * rows near the watermark instead of everything the fast one ran ahead
 * with. Checkpoints are started between rounds, where every batch read
 * has been fully processed, when checkpoint_policy.c says one is due; a
 * writer thread writes them, and each round completes the one written
 * meanwhile. A source declared partitioned_by runs as per-partition tasks
 * (tasks.h): its batches go to the tasks of their partitions, each with
 * its own watermark. */
#include "runtime/app/executor.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>


#include "runtime/kit/clock.h"
#include "runtime/kit/crash_point.h"
#include "runtime/app/checkpoint_policy.h"
#include "runtime/app/drop_report.h"
#include "runtime/app/marks.h"
#include "runtime/app/run_report.h"
#include "runtime/app/tasks.h"
#include "runtime/kit/log.h"
#include "runtime/connectors/registry.h"
#include "runtime/kit/reader.h"
#include "runtime/kit/runtime.h"

typedef struct running_source {
  sq_plan_source_t *src;
  sq_reader_t *reader;
  sq_batch_t batch;
  int64_t watermark;
  bool bootstrapped;
  bool delivering; /* its last visit got rows */
  sq_tasks_t *tasks; /* partitioned_by: the tasks its rows go to (the leader's owns them) */
  uint32_t input;    /* its input number in the tasks */
} running_source_t;

#define ALIGN_MS 1000

/* A sink that delivers in the background and is full pauses every source
 * (ARCHITECTURE.md §5); at the end of finite input the run waits until
 * such sinks have delivered what they hold. */
static bool sinks_blocked(const sq_plan_t *plan) {
  for (uint32_t i = 0; i < plan->n_sinks; i++)
    if (plan->sinks[i]->blocked) return true;
  return false;
}

static bool sinks_delivering(const sq_plan_t *plan) {
  for (uint32_t i = 0; i < plan->n_sinks; i++)
    if (plan->sinks[i]->queued) return true;
  return false;
}

static bool keeps_state(const sq_plan_t *plan) {
  for (uint32_t i = 0; i < plan->n_ops; i++)
    if (plan->ops[i]->cls->keeps_state) return true;
  return false;
}

static bool is_table(const running_source_t *rs) { return rs->src->rel->kind == SQ_REL_TABLE; }

/* Whether a table is still being read to where it stood at start; logs
 * the moment each one is done. */
static bool bootstrapping(running_source_t *rs, uint32_t n, double started, bool quiet) {
  bool any = false;
  for (uint32_t i = 0; i < n; i++) {
    if (!is_table(&rs[i]) || rs[i].bootstrapped) continue;
    if (!rs[i].reader->ended && !rs[i].reader->caught_up) {
      any = true;
      continue;
    }
    rs[i].bootstrapped = true;
    if (!quiet)
      sq_log("table loaded", "table '%s': %llu records read in %.3f s", rs[i].src->rel->name,
             (unsigned long long)rs[i].reader->records_in, sq_clock_seconds() - started);
  }
  return any;
}

/* The watermark of the slowest source still delivering rows. */
static int64_t slowest_watermark(const running_source_t *rs, uint32_t n) {
  int64_t slowest = INT64_MAX;
  for (uint32_t i = 0; i < n; i++)
    if (rs[i].delivering && !rs[i].reader->ended && !is_table(&rs[i]) && rs[i].watermark < slowest) slowest = rs[i].watermark;
  return slowest;
}

static bool ahead(const running_source_t *rs, int64_t slowest) {
  return slowest != INT64_MAX && rs->watermark != INT64_MIN && rs->watermark != SQ_WATERMARK_END &&
         slowest > INT64_MIN + ALIGN_MS && rs->watermark - ALIGN_MS > slowest;
}

static bool any_waits(const running_source_t *rs, uint32_t n) {
  for (uint32_t i = 0; i < n; i++)
    if (!rs[i].reader->ended && rs[i].reader->waits) return true;
  return false;
}

static bool push(sq_plan_t *plan, running_source_t *rs) {
  if (rs->tasks) {
    bool ok = sq_tasks_push(rs->tasks, rs->input, &rs->batch);
    sq_arena_reset(&plan->exec.arena);
    return ok;
  }
  for (uint32_t i = 0; i < rs->src->n_consumers; i++) {
    if (!sq_op_push(rs->src->consumers[i], &rs->batch)) return false;
  }
  sq_arena_reset(&plan->exec.arena);
  return true;
}

static bool advance(running_source_t *rs, int64_t wm, int64_t now) {
  if (rs->tasks) return sq_tasks_advance(rs->tasks, now); /* each to its own partition's */
  if (wm <= rs->watermark) return true;
  rs->watermark = wm;
  for (uint32_t i = 0; i < rs->src->n_consumers; i++) {
    if (!sq_op_advance(rs->src->consumers[i], wm)) return false;
  }
  return true;
}

/* What the tasks need to checkpoint at once (a revocation). */
typedef struct revocation {
  sq_checkpoint_policy_t *ck;
  sq_plan_t *plan;
  sq_runtime_t *rt;
} revocation_t;

static bool checkpoint_now(void *ctx) {
  revocation_t *r = ctx;
  return sq_checkpoint_policy_take(r->ck, r->plan, &r->rt->health, true, false);
}

/* Tasks for the partitioned_by sources: the leader's, then each other
 * one following it. */
static bool start_tasks(sq_plan_t *plan, running_source_t *rs, sq_runtime_t *rt, sq_checkpointer_t *cp, char *err, size_t err_size) {
  sq_tasks_t *tasks = NULL;
  for (uint32_t i = 0; i < plan->n_sources; i++)
    if (rs[i].src->rel == rt->task_leader && !(tasks = rs[i].tasks = sq_tasks_new(plan, i, rs[i].reader, cp, rt, err, err_size)))
      return false;
  for (uint32_t i = 0, input = 1; tasks && i < plan->n_sources; i++) {
    if (rs[i].tasks || !sq_relation_option(rs[i].src->rel, "partitioned_by")) continue;
    if (!sq_tasks_follow(tasks, i, rs[i].reader, err, err_size)) return false;
    rs[i].tasks = tasks;
    rs[i].input = input++;
  }
  return true;
}

/* One visit of a source; false on a fatal error. Sets *progress. */
static bool visit(sq_plan_t *plan, running_source_t *rs, bool *progress) {
  plan->exec.now_ms = sq_clock_ms();
  rs->delivering = false;
  switch (rs->reader->cls->read(rs->reader, &rs->batch, &plan->exec)) {
  case SQ_READ_ROWS:
    *progress = rs->delivering = true;
    return push(plan, rs) && advance(rs, sq_reader_watermark(rs->reader, plan->exec.now_ms), plan->exec.now_ms);
  case SQ_READ_IDLE:
    sq_arena_reset(&plan->exec.arena);
    return advance(rs, sq_reader_watermark(rs->reader, plan->exec.now_ms), plan->exec.now_ms);
  case SQ_READ_END:
    rs->reader->ended = true;
    *progress = true;
    return advance(rs, SQ_WATERMARK_END, plan->exec.now_ms);
  default:
    return false;
  }
}

int sq_execute(sq_plan_t *plan, struct sq_runtime *rt, sq_checkpointer_t *cp, volatile sig_atomic_t *stop, sq_run_stats_t *stats) {
  running_source_t *rs = calloc(plan->n_sources ? plan->n_sources : 1, sizeof *rs);
  sq_reader_t **readers = calloc(plan->n_sources ? plan->n_sources : 1, sizeof *readers);
  sq_checkpoint_policy_t ck = {0};
  revocation_t revocation = {&ck, plan, rt};
  int status = 0;
  char err[512] = "out of memory";
  uint32_t opened = 0;
  plan->exec.clock_seconds = sq_clock_seconds;
  plan->exec.crash_point = sq_crash_point;
  for (; rs && readers && opened < plan->n_sources; opened++) {
    running_source_t *r = &rs[opened];
    r->src = &plan->sources[opened];
    r->reader = rt->open_reader ? rt->open_reader(rt, r->src->rel, r->src->read, err, sizeof err)
                                : sq_reader_open(r->src->rel, r->src->read, rt, err, sizeof err);
    if (!r->reader ||
        !sq_batch_init(&r->batch, (uint32_t)r->src->rel->n_columns, SQ_BATCH_ROWS) ||
        (cp && !sq_checkpointer_restore_reader(cp, r->reader, err, sizeof err)))
      break;
    r->watermark = r->reader->watermark; /* what its consumers last saw */
    readers[opened] = r->reader;
    /* with tasks, the stateful queries read partitioned_by sources: the others are shared in the group */
    r->reader->alone = keeps_state(plan) && !rt->task_leader && r->src->rel->kind != SQ_REL_TABLE;
  }
  bool tasks_ok = opened < plan->n_sources || !cp || start_tasks(plan, rs, rt, cp, err, sizeof err);
  if (!rs || !readers || opened < plan->n_sources || !tasks_ok) {
    fprintf(stderr, "streamq %s: %s\n", rt->command ? rt->command : "run", err);
    status = 2;
  }
  sq_run_report_t *report = NULL;
  sq_drop_report_t drops = {0};
  bool oom = false;
  sq_marks_t *marks = status == 0 ? sq_marks_new(plan, readers, rt->watermark_interval_ms, &oom) : NULL;
  if (oom) status = 2;
  double skew_sampled = sq_clock_seconds();
  if (status == 0) {
    report = sq_run_report_new(plan, readers, rt->metrics, !rt->quiet && isatty(STDERR_FILENO));
    if (!report || !sq_drop_report_init(&drops, plan)) status = 2;
    for (uint32_t i = 0; status == 0 && i < plan->n_sources; i++)
      if (rs[i].tasks && rs[i].input == 0 && !sq_run_report_tasks(report, i, rs[i].tasks)) status = 2;
    sq_checkpoint_policy_init(&ck, cp, readers, rt);
    for (uint32_t i = 0; i < plan->n_sources; i++)
      if (rs[i].tasks && rs[i].input == 0) sq_tasks_on_revoke(rs[i].tasks, checkpoint_now, &revocation);
  }
  double started = sq_clock_seconds();
  bool busy = false; /* the last round read rows */
  while (status == 0 && !*stop) {
    bool progress = false, all_ended = true;
    bool tables_only = bootstrapping(rs, plan->n_sources, started, rt->quiet);
    int64_t slowest = slowest_watermark(rs, plan->n_sources);
    bool paused = sinks_blocked(plan);
    for (uint32_t i = 0; i < plan->n_sources && status == 0; i++) {
      bool waits = paused || (tables_only ? !is_table(&rs[i]) : ahead(&rs[i], slowest));
      /* an empty source waits for data only when none has any: else the
       * wait would hold up the others' rows (a quiet side of a join, a
       * pre-aggregated stage 2 behind its stage 1) */
      rs[i].reader->may_wait = !busy && !progress;
      if (!rs[i].reader->ended && !waits && !visit(plan, &rs[i], &progress)) status = 2;
      all_ended &= rs[i].reader->ended;
    }
    if (status == 0 && !sq_marks_tick(marks, sq_clock_ms(), err, sizeof err)) {
      sq_exec_fail(&plan->exec, "repartition: %s", err);
      status = 2;
    }
    for (uint32_t i = 0; i < plan->n_sinks && status == 0; i++) {
      sq_sink_t *s = plan->sinks[i];
      if (s->cls->poll && !s->cls->poll(s, err, sizeof err)) {
        sq_exec_fail(&plan->exec, "sink '%s': %s", s->name, err);
        status = 2;
      }
    }
    if (!sq_run_report_publish(report, &rt->health)) {
      sq_exec_fail(&plan->exec, "out of memory for metric series");
      status = 2;
    }
    double now_s = sq_clock_seconds();
    bool leaving = false;
    for (uint32_t i = 0; i < plan->n_sources && status == 0; i++) {
      bool wants = false;
      if (rs[i].tasks && rs[i].input == 0 && !sq_tasks_sync(rs[i].tasks, sq_clock_ms(), &wants)) status = 2;
      leaving |= wants;
    }
    if (status == 0 && cp && !sq_checkpoint_policy_poll(&ck, plan, &rt->health)) status = 2;
    /* revoked tasks leave once a checkpoint holds their last changes */
    if (status == 0 && leaving && !sq_checkpoint_policy_take(&ck, plan, &rt->health, false, false)) status = 2;
    if (status == 0 && !all_ended && cp &&
        sq_checkpoint_policy_due(&ck, plan, now_s) && !sq_checkpoint_policy_take(&ck, plan, &rt->health, false, false))
      status = 2;
    if (now_s - skew_sampled >= 1.0) {
      for (uint32_t i = 0; i < plan->n_sources; i++) sq_reader_sample_skew(rs[i].reader, rt->skew_warn_ratio, now_s);
      sq_run_report_second(report, &rt->health, now_s - skew_sampled, now_s - ck.last_ok);
      skew_sampled = now_s;
      sq_drop_report_sample(&drops, plan, readers, now_s, false);
    }
    if (status || (all_ended && !sinks_delivering(plan))) break;
    /* a reader that waits for data paces the loop; else nap, not spin */
    if (!progress && !any_waits(rs, plan->n_sources)) nanosleep(&(struct timespec){0, 5 * 1000 * 1000}, NULL);
    busy = progress;
  }
  sq_marks_free(marks);
  sq_run_report_end(report);
  if (drops.reported) sq_drop_report_sample(&drops, plan, readers, sq_clock_seconds(), true);
  sq_drop_report_free(&drops);
  if (status == 0 && cp && !sq_checkpoint_policy_take(&ck, plan, &rt->health, true, !*stop)) status = 2;
  if (cp) sq_checkpointer_abandon(cp); /* a failed run's: the state goes */
  const char *command = rt->command ? rt->command : "run";
  if (status == 2 && sq_state_error(plan->state)) fprintf(stderr, "streamq %s: %s\n", command, sq_state_error(plan->state));
  else if (status == 2 && plan->exec.failed) fprintf(stderr, "streamq %s: %s\n", command, plan->exec.error);
  if (status == 2) atomic_store(&rt->health.failing, 1);
  if (report) sq_run_report_publish(report, &rt->health);
  sq_run_report_free(report);
  *stats = (sq_run_stats_t){.late_records = plan->exec.late_records, .div_by_zero = plan->exec.div_by_zero};
  for (uint32_t i = 0; i < plan->n_sinks; i++) stats->records_out += plan->sinks[i]->records_out;
  for (uint32_t i = 0; rs && i < opened + (opened < plan->n_sources); i++) {
    if (rs[i].reader) {
      stats->records_in += rs[i].reader->records_in;
      stats->bad_records += rs[i].reader->bad.count;
    }
    if (rs[i].input == 0) sq_tasks_free(rs[i].tasks);
    sq_reader_destroy(rs[i].reader);
    sq_batch_free(&rs[i].batch);
  }
  free(rs);
  free(readers);
  return status;
}
