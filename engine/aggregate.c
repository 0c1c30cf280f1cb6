/* The accumulators. Exact ones keep what their result needs (a count, a
 * sum, a running mean and variance by Welford's method, a value and its
 * time). COUNT(DISTINCT) keeps 64-bit hashes of the values it saw (exact
 * but for hash collisions, about 1 in 10^7 for a million values); the
 * APPROX_ ones and TOPK keep bounded sketches (engine/sketch_*.c). */
#include "engine/aggregate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/sketches.h"

/* A value that owns a copy of its string bytes. */
typedef struct held_value {
  sq_value_t v;
  char *buf;
  uint32_t cap;
} held_value_t;

/* A zeroed state holds no value yet (type 0 is SQ_TYPE_ERROR). */
static bool holds_value(const held_value_t *h) { return h->v.type != SQ_TYPE_ERROR; }

static bool hold(held_value_t *h, sq_value_t v) {
  if (v.type == SQ_TYPE_STRING) {
    if (v.u.s.len > h->cap) {
      uint32_t cap = v.u.s.len < 16 ? 16 : v.u.s.len;
      char *buf = realloc(h->buf, cap);
      if (!buf) return false;
      h->buf = buf;
      h->cap = cap;
    }
    if (v.u.s.len) memcpy(h->buf, v.u.s.p, v.u.s.len);
    v.u.s.p = h->buf;
  }
  h->v = v;
  return true;
}

/* A state is allocated with the size of the one member its function uses
 * (sq_agg_state_size): code touches that member only. */
typedef union agg_state {
  int64_t count;
  struct { int64_t i; double d; bool any, overflow; } sum;
  struct { double sum; int64_t n; } avg;
  struct { held_value_t held; } extreme;             /* MIN, MAX */
  struct { int64_t n; double mean, m2; } var;
  struct { held_value_t held; int64_t ts; bool any; } timed; /* EARLIEST, LATEST */
  sq_hash_set_t distinct;
  sq_hll_t *hll;
  sq_kll_t *kll;
  sq_topk_t *topk;
} agg_state_t;

sq_agg_spec_t sq_agg_spec(const sq_ast_t *call) {
  sq_agg_spec_t s = {.fn = (sq_fn_t)call->ref, .star = call->sub != 0, .distinct = call->flag};
  s.arg_type = call->b->n ? (sq_type_t)call->b->list[0]->type : SQ_TYPE_NULL;
  if (s.fn == SQ_FN_APPROX_PERCENTILE) {
    const sq_ast_t *p = call->b->list[1];
    s.fraction = p->sub == SQ_LIT_INT ? (double)p->ival : p->dval;
  }
  if (s.fn == SQ_FN_TOPK) s.k = (int)call->b->list[1]->ival;
  return s;
}

/* Only the member a function uses: a group holding COUNT and SUM takes 32
 * bytes, not twice the union's 56, so millions of groups stay in the
 * state cache. */
size_t sq_agg_state_size(const sq_agg_spec_t *spec) {
  const agg_state_t *st = NULL;
  switch (spec->fn) {
  case SQ_FN_COUNT: return spec->distinct ? sizeof st->distinct : sizeof st->count;
  case SQ_FN_SUM: return sizeof st->sum;
  case SQ_FN_AVG: return sizeof st->avg;
  case SQ_FN_MIN:
  case SQ_FN_MAX: return sizeof st->extreme;
  case SQ_FN_STDDEV_POP:
  case SQ_FN_STDDEV_SAMP: return sizeof st->var;
  case SQ_FN_EARLIEST:
  case SQ_FN_LATEST: return sizeof st->timed;
  case SQ_FN_APPROX_COUNT_DISTINCT: return sizeof st->hll;
  case SQ_FN_APPROX_PERCENTILE: return sizeof st->kll;
  case SQ_FN_TOPK: return sizeof st->topk;
  default: return sizeof st->count; /* not an aggregate: no state is touched */
  }
}

static void welford(agg_state_t *st, double x) {
  st->var.n++;
  double delta = x - st->var.mean;
  st->var.mean += delta / (double)st->var.n;
  st->var.m2 += delta * (x - st->var.mean);
}

bool sq_agg_update(const sq_agg_spec_t *spec, void *state, sq_value_t arg, int64_t ts) {
  agg_state_t *st = state;
  if (spec->fn == SQ_FN_COUNT && spec->star) {
    st->count++;
    return true;
  }
  if (sq_is_null(arg)) return true; /* aggregates skip NULLs */
  switch (spec->fn) {
  case SQ_FN_COUNT:
    if (spec->distinct) return sq_hash_set_add(&st->distinct, sq_value_hash(arg, 0)) >= 0;
    st->count++;
    return true;
  case SQ_FN_SUM:
    st->sum.any = true;
    if (arg.type == SQ_TYPE_DOUBLE) st->sum.d += arg.u.d;
    else if (__builtin_add_overflow(st->sum.i, arg.u.i, &st->sum.i)) st->sum.overflow = true;
    return true;
  case SQ_FN_AVG:
    st->avg.sum += sq_as_double(arg);
    st->avg.n++;
    return true;
  case SQ_FN_MIN:
  case SQ_FN_MAX: {
    sq_value_t cur = st->extreme.held.v;
    int sign = spec->fn == SQ_FN_MIN ? -1 : 1;
    if (holds_value(&st->extreme.held) && sign * sq_value_compare(arg, cur) <= 0) return true;
    return hold(&st->extreme.held, arg);
  }
  case SQ_FN_STDDEV_POP:
  case SQ_FN_STDDEV_SAMP:
    welford(st, sq_as_double(arg));
    return true;
  case SQ_FN_EARLIEST:
    if (st->timed.any && ts >= st->timed.ts) return true;
    st->timed.any = true;
    st->timed.ts = ts;
    return hold(&st->timed.held, arg);
  case SQ_FN_LATEST:
    if (st->timed.any && ts < st->timed.ts) return true;
    st->timed.any = true;
    st->timed.ts = ts;
    return hold(&st->timed.held, arg);
  case SQ_FN_APPROX_COUNT_DISTINCT:
    if (!st->hll && !(st->hll = sq_hll_new())) return false;
    sq_hll_add(st->hll, sq_value_hash(arg, 0));
    return true;
  case SQ_FN_APPROX_PERCENTILE:
    if (!st->kll && !(st->kll = sq_kll_new())) return false;
    return sq_kll_add(st->kll, sq_as_double(arg));
  case SQ_FN_TOPK:
    if (!st->topk && !(st->topk = sq_topk_new(spec->k))) return false;
    return sq_topk_add(st->topk, arg, 1);
  default: return true;
  }
}

bool sq_agg_merge(const sq_agg_spec_t *spec, void *dst, const void *src) {
  agg_state_t *d = dst;
  const agg_state_t *s = src;
  switch (spec->fn) {
  case SQ_FN_COUNT:
    if (spec->distinct) return sq_hash_set_merge(&d->distinct, &s->distinct);
    d->count += s->count;
    return true;
  case SQ_FN_SUM:
    d->sum.any |= s->sum.any;
    d->sum.d += s->sum.d;
    d->sum.overflow |= s->sum.overflow || __builtin_add_overflow(d->sum.i, s->sum.i, &d->sum.i);
    return true;
  case SQ_FN_AVG:
    d->avg.sum += s->avg.sum;
    d->avg.n += s->avg.n;
    return true;
  case SQ_FN_MIN:
  case SQ_FN_MAX:
    return !holds_value(&s->extreme.held) || sq_agg_update(spec, dst, s->extreme.held.v, 0);
  case SQ_FN_STDDEV_POP:
  case SQ_FN_STDDEV_SAMP: {
    if (s->var.n == 0) return true;
    /* Chan et al.'s parallel combination of two Welford states */
    int64_t n = d->var.n + s->var.n;
    double delta = s->var.mean - d->var.mean;
    d->var.m2 += s->var.m2 + delta * delta * (double)d->var.n * (double)s->var.n / (double)n;
    d->var.mean += delta * (double)s->var.n / (double)n;
    d->var.n = n;
    return true;
  }
  case SQ_FN_EARLIEST:
  case SQ_FN_LATEST:
    return !s->timed.any || sq_agg_update(spec, dst, s->timed.held.v, s->timed.ts);
  case SQ_FN_APPROX_COUNT_DISTINCT:
    if (!s->hll) return true;
    if (!d->hll && !(d->hll = sq_hll_new())) return false;
    sq_hll_merge(d->hll, s->hll);
    return true;
  case SQ_FN_APPROX_PERCENTILE:
    if (!s->kll) return true;
    if (!d->kll && !(d->kll = sq_kll_new())) return false;
    return sq_kll_merge(d->kll, s->kll);
  case SQ_FN_TOPK:
    if (!s->topk) return true;
    if (!d->topk && !(d->topk = sq_topk_new(spec->k))) return false;
    return sq_topk_merge(d->topk, s->topk);
  default: return true;
  }
}

sq_value_t sq_agg_result(const sq_agg_spec_t *spec, const void *state, sq_arena_t *arena) {
  const agg_state_t *st = state;
  switch (spec->fn) {
  case SQ_FN_COUNT: return sq_int(spec->distinct ? (int64_t)st->distinct.n : st->count);
  case SQ_FN_SUM:
    if (!st->sum.any) return sq_null();
    if (spec->arg_type == SQ_TYPE_DOUBLE) return sq_double(st->sum.d);
    return st->sum.overflow ? sq_null() : sq_int(st->sum.i);
  case SQ_FN_AVG: return st->avg.n ? sq_double(st->avg.sum / (double)st->avg.n) : sq_null();
  case SQ_FN_MIN:
  case SQ_FN_MAX: return holds_value(&st->extreme.held) ? st->extreme.held.v : sq_null();
  case SQ_FN_STDDEV_POP: return st->var.n ? sq_double(sqrt(st->var.m2 / (double)st->var.n)) : sq_null();
  case SQ_FN_STDDEV_SAMP: return st->var.n > 1 ? sq_double(sqrt(st->var.m2 / (double)(st->var.n - 1))) : sq_null();
  case SQ_FN_EARLIEST:
  case SQ_FN_LATEST: return st->timed.any ? st->timed.held.v : sq_null();
  case SQ_FN_APPROX_COUNT_DISTINCT: return sq_int(st->hll ? sq_hll_estimate(st->hll) : 0);
  case SQ_FN_APPROX_PERCENTILE: return st->kll ? sq_kll_quantile(st->kll, spec->fraction) : sq_null();
  case SQ_FN_TOPK: return st->topk ? sq_topk_json(st->topk, arena) : sq_null();
  default: return sq_null();
  }
}

/* A held value: whether there is one, then the value. */
static void put_held(sq_buf_t *out, const held_value_t *h) {
  sq_put_u64(out, holds_value(h));
  if (holds_value(h)) sq_put_value(out, h->v);
}

static bool get_held(sq_cursor_t *in, held_value_t *h) {
  if (!sq_get_u64(in)) return !in->failed;
  sq_value_t v = sq_get_value(in);
  return !in->failed && hold(h, v);
}

void sq_agg_encode(const sq_agg_spec_t *spec, const void *state, sq_buf_t *out) {
  const agg_state_t *st = state;
  switch (spec->fn) {
  case SQ_FN_COUNT:
    if (spec->distinct) sq_hash_set_encode(&st->distinct, out);
    else sq_put_i64(out, st->count);
    break;
  case SQ_FN_SUM:
    sq_put_i64(out, st->sum.i);
    sq_put_f64(out, st->sum.d);
    sq_put_u64(out, (uint64_t)st->sum.any | (uint64_t)st->sum.overflow << 1);
    break;
  case SQ_FN_AVG:
    sq_put_f64(out, st->avg.sum);
    sq_put_i64(out, st->avg.n);
    break;
  case SQ_FN_MIN:
  case SQ_FN_MAX: put_held(out, &st->extreme.held); break;
  case SQ_FN_STDDEV_POP:
  case SQ_FN_STDDEV_SAMP:
    sq_put_i64(out, st->var.n);
    sq_put_f64(out, st->var.mean);
    sq_put_f64(out, st->var.m2);
    break;
  case SQ_FN_EARLIEST:
  case SQ_FN_LATEST:
    sq_put_u64(out, st->timed.any);
    sq_put_i64(out, st->timed.ts);
    put_held(out, &st->timed.held);
    break;
  case SQ_FN_APPROX_COUNT_DISTINCT:
    sq_put_u64(out, st->hll != NULL);
    if (st->hll) sq_hll_encode(st->hll, out);
    break;
  case SQ_FN_APPROX_PERCENTILE:
    sq_put_u64(out, st->kll != NULL);
    if (st->kll) sq_kll_encode(st->kll, out);
    break;
  case SQ_FN_TOPK:
    sq_put_u64(out, st->topk != NULL);
    if (st->topk) sq_topk_encode(st->topk, out);
    break;
  default: break;
  }
}

bool sq_agg_decode(const sq_agg_spec_t *spec, void *state, sq_cursor_t *in) {
  agg_state_t *st = state;
  switch (spec->fn) {
  case SQ_FN_COUNT:
    if (spec->distinct) return sq_hash_set_decode(&st->distinct, in);
    st->count = sq_get_i64(in);
    break;
  case SQ_FN_SUM: {
    st->sum.i = sq_get_i64(in);
    st->sum.d = sq_get_f64(in);
    uint64_t flags = sq_get_u64(in);
    st->sum.any = flags & 1;
    st->sum.overflow = flags & 2;
    break;
  }
  case SQ_FN_AVG:
    st->avg.sum = sq_get_f64(in);
    st->avg.n = sq_get_i64(in);
    break;
  case SQ_FN_MIN:
  case SQ_FN_MAX: return get_held(in, &st->extreme.held);
  case SQ_FN_STDDEV_POP:
  case SQ_FN_STDDEV_SAMP:
    st->var.n = sq_get_i64(in);
    st->var.mean = sq_get_f64(in);
    st->var.m2 = sq_get_f64(in);
    break;
  case SQ_FN_EARLIEST:
  case SQ_FN_LATEST:
    st->timed.any = sq_get_u64(in) != 0;
    st->timed.ts = sq_get_i64(in);
    return get_held(in, &st->timed.held);
  case SQ_FN_APPROX_COUNT_DISTINCT: return !sq_get_u64(in) ? !in->failed : (st->hll = sq_hll_decode(in)) != NULL;
  case SQ_FN_APPROX_PERCENTILE: return !sq_get_u64(in) ? !in->failed : (st->kll = sq_kll_decode(in)) != NULL;
  case SQ_FN_TOPK: return !sq_get_u64(in) ? !in->failed : (st->topk = sq_topk_decode(in)) != NULL;
  default: break;
  }
  return !in->failed;
}

void sq_agg_release(const sq_agg_spec_t *spec, void *state) {
  agg_state_t *st = state;
  switch (spec->fn) {
  case SQ_FN_COUNT:
    if (spec->distinct) sq_hash_set_free(&st->distinct);
    break;
  case SQ_FN_MIN:
  case SQ_FN_MAX: free(st->extreme.held.buf); break;
  case SQ_FN_EARLIEST:
  case SQ_FN_LATEST: free(st->timed.held.buf); break;
  case SQ_FN_APPROX_COUNT_DISTINCT: free(st->hll); break;
  case SQ_FN_APPROX_PERCENTILE: sq_kll_free(st->kll); break;
  case SQ_FN_TOPK: sq_topk_free(st->topk); break;
  default: break;
  }
  memset(st, 0, sq_agg_state_size(spec));
}
