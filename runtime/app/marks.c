/* Watermark marks of stage 1 (marks.h). The mark of a partition is its
 * own watermark (its largest event time minus the delay, or, silent for
 * idle_timeout, marked idle with that advancing by the silence), which
 * is what the single process's rule folds over partitions: stage 2 does
 * that fold over the marks. A sink is paired with the source whose
 * topic it names in `repartition_of`. */
#include "runtime/app/marks.h"

#include <stdlib.h>
#include <string.h>

#include "engine/buf.h"
#include "engine/preaggregate.h"
#include "runtime/kit/options.h"

#define HEARTBEAT_MS 5000

typedef struct sent {
  int64_t watermark, at_ms;
  bool idle, any;
} sent_t;

typedef struct pairing {
  sq_reader_t *reader;
  sq_sink_t *sink;
  sq_op_t *preagg;  /* the pre-aggregation writing to the sink, or NULL */
  sent_t *sent; /* by partition */
  uint32_t n_sent;
} pairing_t;

struct sq_marks {
  pairing_t *pairs;
  uint32_t n;
  int64_t interval_ms, last_ms;
};

sq_marks_t *sq_marks_new(const sq_plan_t *plan, sq_reader_t *const *readers, int64_t interval_ms, bool *oom) {
  sq_marks_t *m = calloc(1, sizeof *m);
  if (!(*oom = !m)) m->interval_ms = interval_ms;
  for (uint32_t s = 0; m && s < plan->n_sinks; s++) {
    if (!plan->sinks[s]->cls->mark || !plan->sink_rels[s]) continue; /* NULL: an ad-hoc SELECT's output */
    const sq_ast_t *of = sq_relation_option(plan->sink_rels[s], "repartition_of");
    if (!of || !of->text) continue;
    for (uint32_t i = 0; i < plan->n_sources; i++) {
      const sq_ast_t *topic = sq_relation_option(plan->sources[i].rel, "topic");
      if (!topic || !topic->text || strcmp(topic->text, of->text) != 0 || sq_relation_option(plan->sources[i].rel, "repartitioned"))
        continue;
      pairing_t *v = sq_array_room(m->pairs, m->n, sizeof *v);
      if (!v) {
        *oom = true;
        sq_marks_free(m);
        return NULL;
      }
      m->pairs = v;
      sq_op_t *preagg = sq_plan_preaggregation(plan, plan->sink_rels[s]);
      m->pairs[m->n++] = (pairing_t){.reader = readers[i], .sink = plan->sinks[s], .preagg = preagg};
      if (preagg) { /* its origins are the reader's partitions */
        readers[i]->preaggregated = true;
        sq_op_preaggregate_origins(preagg, sq_reader_preagg_origin, readers[i]);
      }
    }
  }
  if (m && m->n == 0) { /* no repartition sink: nothing to tick */
    sq_marks_free(m);
    m = NULL;
  }
  return m;
}

/* The mark of partition p is due: moved, idleness changed, or old. */
static bool due(const sent_t *last, int64_t wm, bool idle, int64_t now) {
  return !last->any || wm != last->watermark || idle != last->idle || now - last->at_ms >= HEARTBEAT_MS;
}

/* A pre-aggregated origin's mark: while it holds open partials it is not
 * idle, and stays short of their earliest close, so that no mark closes
 * a window before its partial is written. Silent for idle_timeout with
 * partials open, it cuts them (once the cut is recorded) and then goes
 * idle. False with `err`. */
static bool hold_for_partials(pairing_t *pr, uint32_t p, int64_t *wm, bool *idle, char *err, size_t err_size) {
  sq_reader_t *r = pr->reader;
  const sq_preagg_origin_t *pa = &r->parts[p].preagg;
  if (pa->seen_epoch != pa->epoch || pa->open == 0) return true;
  if (*idle && r->cls->record_cut && r->cls->record_cut(r, p)) {
    if (!sq_op_preaggregate_cut(pr->preagg, p)) return snprintf(err, err_size, "%s", pr->preagg->exec->error), false;
    return true;
  }
  *idle = false;
  if (*wm >= pa->hold) *wm = pa->hold - 1;
  return true;
}

static bool tick_pair(pairing_t *pr, int64_t now, char *err, size_t err_size) {
  sq_reader_t *r = pr->reader;
  if (!r->topic_partitions) return true; /* the marks name the count: not known yet */
  if (r->n_parts > pr->n_sent) {
    sent_t *v = realloc(pr->sent, r->n_parts * sizeof *v);
    if (!v) return snprintf(err, err_size, "out of memory"), false;
    memset(v + pr->n_sent, 0, (r->n_parts - pr->n_sent) * sizeof *v);
    pr->sent = v;
    pr->n_sent = r->n_parts;
  }
  for (uint32_t p = 0; p < r->n_parts && p < r->topic_partitions; p++) {
    const sq_reader_partition_t *part = &r->parts[p];
    if (!part->assigned) {
      pr->sent[p].any = false; /* marked again from the start when it comes back */
      continue;
    }
    int64_t wm = sq_reader_partition_watermark(r, p, now);
    bool idle = r->idle_timeout > 0 && now - part->last_row_ms >= r->idle_timeout;
    if (pr->preagg && !hold_for_partials(pr, p, &wm, &idle, err, err_size)) return false;
    if (!due(&pr->sent[p], wm, idle, now)) continue;
    if (!pr->sink->cls->mark(pr->sink, p, r->topic_partitions, wm, idle, err, err_size)) return false;
    pr->sent[p] = (sent_t){wm, now, idle, true};
  }
  return true;
}

bool sq_marks_tick(sq_marks_t *m, int64_t now, char *err, size_t err_size) {
  if (!m || now - m->last_ms < m->interval_ms) return true;
  m->last_ms = now;
  for (uint32_t i = 0; i < m->n; i++)
    if (!tick_pair(&m->pairs[i], now, err, err_size)) return false;
  return true;
}

void sq_marks_free(sq_marks_t *m) {
  if (!m) return;
  for (uint32_t i = 0; i < m->n; i++) free(m->pairs[i].sent);
  free(m->pairs);
  free(m);
}
