/* Pre-aggregation (engine/op_preaggregate.c) on generated rows of four
 * origins, one key carrying half of them: its output does not depend on
 * how the input is split into batches (what it folds and where it cuts
 * follow the rows alone), it folds the hot key, and stage 2's window
 * operator merging its partial aggregates gives exactly what the rows
 * give it directly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "engine/ops.h"
#include "engine/preaggregate.h"
#include "engine/state.h"
#include "engine/value_text.h"
#include "engine/window_agg.h"
#include "front_end_fixture.h"

#define ROWS 12000
#define ORIGINS 4
#define SPIKE (ORIGINS * (SQ_PREAGG_SEGMENT - 1) + 1) /* origin 1's row before its second segment */

static const char *const SQL =
    "CREATE SOURCE ev (k STRING, v BIGINT, __origin_partition BIGINT, __origin_offset BIGINT, __rowtime TIMESTAMP, "
    "__origin_index BIGINT, __window TIMESTAMP, __partial STRING) WITH (connector = 'file', path = 'ev.jsonl', "
    "timestamp = '__rowtime');\n"
    "CREATE SINK out WITH (connector = 'file', path = 'out.jsonl');\n"
    "INSERT INTO out SELECT k, COUNT(*) AS n, SUM(v) AS total, MIN(v) AS lo, COUNT(DISTINCT v) AS kinds FROM ev\n"
    "  WINDOW HOPPING (SIZE 20 SECONDS, ADVANCE BY 10 SECONDS) GROUP BY k;\n";

/* An operator that keeps each row it is given as a line of text. */
typedef struct capture {
  sq_op_t base;
  sq_buf_t text;
  uint32_t rows, partials;
  int partial_col;
} capture_t;

static bool capture_push(sq_op_t *op, const sq_batch_t *in) {
  capture_t *c = (capture_t *)op;
  for (uint32_t r = 0; r < in->n; r++) {
    const sq_value_t *row = sq_batch_row(in, r);
    for (uint32_t i = 0; i < in->width; i++) {
      sq_encode_value(&c->text, row[i], true);
      sq_buf_putc(&c->text, i + 1 < in->width ? ',' : '\n');
    }
    c->rows++;
    c->partials += c->partial_col >= 0 && !sq_is_null(row[c->partial_col]);
  }
  return true;
}
static bool capture_advance(sq_op_t *op, int64_t wm) { (void)op, (void)wm; return true; }
static void capture_describe(const sq_op_t *op, sq_buf_t *out) { (void)op, (void)out; }
static void capture_destroy(sq_op_t *op) { (void)op; }
static const sq_op_class_t capture_class = {"Capture", capture_push, capture_advance, capture_describe, capture_destroy,
                                            NULL, NULL, false};

typedef struct setup {
  fixture_t f;
  const sq_relation_t *ev;
  const sq_query_t *q;
  sq_preagg_columns_t cols;
  sq_batch_t input; /* ROWS rows */
} setup_t;

/* The rows: origin r % 4, offsets counting up per origin, event times
 * 20 ms apart with a jitter of up to 3 s (the delay is 5 s), every second
 * row of key "hot"; every 97th row 40 s behind (late in its origin's own
 * view: it goes as it is), and origin 1's last row before its second
 * segment 60 s ahead (so that the rows after it are late in that view,
 * which a restart at the segment's start knows only from the note). */
static void generate(setup_t *s) {
  uint32_t width = (uint32_t)s->ev->n_columns;
  assert_true(sq_batch_init(&s->input, width, ROWS));
  static char keys[ROWS][8];
  uint64_t rng = 42;
  for (uint32_t r = 0; r < ROWS; r++) {
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    sq_value_t *row = sq_batch_row(&s->input, r);
    sq_set_null(row, width);
    snprintf(keys[r], sizeof keys[r], "k%u", (unsigned)(rng >> 40) % 300);
    row[0] = r % 2 ? sq_str("hot", 3) : sq_str(keys[r], (uint32_t)strlen(keys[r]));
    row[1] = sq_int((int64_t)(rng >> 50) % 50);
    int64_t ts = 1767225600000 + r * 20 + (int64_t)((rng >> 20) % 3000);
    if (r % 97 == 0) ts -= 40000;
    if (r == SPIKE) ts += 60000;
    row[s->cols.partition] = sq_int(r % ORIGINS);
    row[s->cols.offset] = sq_int(r / ORIGINS);
    row[s->cols.rowtime] = sq_ts(ts);
    row[s->cols.index] = sq_int(0);
    row[s->cols.window] = sq_ts(ts);
    row[s->cols.partial] = sq_str("", 0);
    s->input.times[r] = ts;
    s->input.wms[r] = INT64_MIN;
  }
  s->input.n = ROWS;
}

static int setup(void **state) {
  setup_t *s = calloc(1, sizeof *s);
  s->f = fixture_load(SQL, 1);
  assert_non_null(s->f.prog);
  s->ev = sq_catalog_find(s->f.prog->catalog, "ev");
  s->q = &s->f.prog->queries[0];
  s->cols = (sq_preagg_columns_t){sq_relation_find_column(s->ev, SQ_ORIGIN_PARTITION), sq_relation_find_column(s->ev, SQ_ORIGIN_OFFSET),
                                  sq_relation_find_column(s->ev, SQ_ORIGIN_INDEX), sq_relation_find_column(s->ev, SQ_STAGE_ROWTIME),
                                  sq_relation_find_column(s->ev, SQ_PARTIAL_WINDOW), sq_relation_find_column(s->ev, SQ_PARTIAL_STATE)};
  generate(s);
  *state = s;
  return 0;
}

static int teardown(void **state) {
  setup_t *s = *state;
  sq_batch_free(&s->input);
  fixture_free(&s->f);
  free(s);
  return 0;
}

/* Pushes the input through `op` in batches of the sizes `sizes` gives in
 * turn, then the end of input. */
static void feed(setup_t *s, sq_exec_t *exec, sq_op_t *op, const uint32_t *sizes, uint32_t n_sizes) {
  sq_batch_t part;
  assert_true(sq_batch_init(&part, s->input.width, ROWS));
  for (uint32_t at = 0, i = 0; at < ROWS; i++) {
    uint32_t n = sizes[i % n_sizes] < ROWS - at ? sizes[i % n_sizes] : ROWS - at;
    memcpy(part.rows, sq_batch_row(&s->input, at), (size_t)n * s->input.width * sizeof *part.rows);
    memcpy(part.times, s->input.times + at, n * sizeof *part.times);
    memcpy(part.wms, s->input.wms + at, n * sizeof *part.wms);
    part.n = n;
    assert_true(sq_op_push(op, &part));
    sq_arena_reset(&exec->arena);
    at += n;
  }
  assert_true(sq_op_advance(op, SQ_WATERMARK_END));
  sq_batch_free(&part);
}

/* Stage 1 over the input in batches of `sizes`: its rows as text. */
static capture_t stage1(setup_t *s, const uint32_t *sizes, uint32_t n_sizes) {
  sq_exec_t exec = {0};
  sq_window_spec_t win = sq_window_spec(s->q->select->select);
  sq_op_t *pre = sq_op_preaggregate_new(&exec, &win, s->q->select, 5000, &s->cols, s->input.width, s->ev);
  assert_non_null(pre);
  capture_t c = {.base = {.cls = &capture_class, .exec = &exec}, .partial_col = s->cols.partial};
  assert_true(sq_op_connect(pre, &c.base));
  feed(s, &exec, pre, sizes, n_sizes);
  pre->cls->destroy(pre);
  sq_arena_free(&exec.arena);
  return c;
}

static void same_rows_however_batched(void **state) {
  setup_t *s = *state;
  capture_t whole = stage1(s, (uint32_t[]){ROWS}, 1), ones = stage1(s, (uint32_t[]){1}, 1),
            mixed = stage1(s, (uint32_t[]){7, 1024, 333, 2}, 4);
  assert_true(whole.partials > 0);
  assert_int_equal(whole.text.len, ones.text.len);
  assert_memory_equal(whole.text.data, ones.text.data, whole.text.len);
  assert_int_equal(whole.text.len, mixed.text.len);
  assert_memory_equal(whole.text.data, mixed.text.data, whole.text.len);
  /* the hot key's 3,000 rows fold into a few partials per origin and window */
  print_message("stage 1 wrote %u records for %u rows (%u partial aggregates)\n", whole.rows, ROWS, whole.partials);
  assert_true(whole.rows < ROWS * 6 / 10);
  sq_buf_free(&whole.text), sq_buf_free(&ones.text), sq_buf_free(&mixed.text);
}

static int by_text(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Stage 2: a window operator fed `in` (merging partials when `partials`),
 * then the end of input; its rows sorted, as text. */
static char *stage2(setup_t *s, const sq_batch_t *in, bool partials) {
  sq_exec_t exec = {0};
  char err[256];
  sq_state_t *st = sq_state_new(NULL, 0, err, sizeof err);
  assert_non_null(st);
  sq_window_spec_t win = sq_window_spec(s->q->select->select);
  sq_row_layout_t layout = sq_row_layout_single();
  uint32_t width = (uint32_t)s->q->output->n_columns;
  sq_op_t *w = sq_op_window_agg_new(&exec, st, 1, &win, s->q->select, &layout, width);
  assert_non_null(w);
  if (partials) sq_op_window_agg_partials(w, s->cols.window, s->cols.partial);
  capture_t c = {.base = {.cls = &capture_class, .exec = &exec}, .partial_col = -1};
  assert_true(sq_op_connect(w, &c.base));
  assert_true(sq_op_push(w, in));
  assert_true(sq_op_advance(w, SQ_WATERMARK_END));
  sq_state_destroy(st);
  w->cls->destroy(w);
  sq_arena_free(&exec.arena);
  sq_buf_putc(&c.text, '\0');
  /* sorted lines: the order of a window's keys is the store's */
  char *text = c.text.data, **lines = calloc(c.rows + 1, sizeof *lines);
  uint32_t n = 0;
  for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) lines[n++] = line;
  qsort(lines, n, sizeof *lines, by_text);
  sq_buf_t sorted = {0};
  for (uint32_t i = 0; i < n; i++) sq_buf_puts(&sorted, lines[i]), sq_buf_putc(&sorted, '\n');
  sq_buf_putc(&sorted, '\0');
  free(lines);
  free(text);
  return sorted.data;
}

/* An operator that keeps the rows it is given (their strings stay in the
 * exec's arena, not reset meanwhile). */
typedef struct keep {
  sq_op_t base;
  sq_batch_t rows;
} keep_t;
static bool keep_push(sq_op_t *op, const sq_batch_t *in) {
  keep_t *k = (keep_t *)op;
  for (uint32_t r = 0; r < in->n; r++) {
    uint32_t at = k->rows.n++;
    memcpy(sq_batch_row(&k->rows, at), sq_batch_row(in, r), in->width * sizeof(sq_value_t));
    k->rows.times[at] = in->times[r];
    k->rows.wms[at] = in->wms[r];
  }
  return true;
}
static const sq_op_class_t keep_class = {"Keep", keep_push, capture_advance, capture_describe, capture_destroy, NULL, NULL, false};

static void partials_merge_to_the_rows_answer(void **state) {
  setup_t *s = *state;
  sq_exec_t exec = {0}; /* its arena holds the partials' text until the end */
  sq_window_spec_t win = sq_window_spec(s->q->select->select);
  sq_op_t *pre = sq_op_preaggregate_new(&exec, &win, s->q->select, 5000, &s->cols, s->input.width, s->ev);
  assert_non_null(pre);
  keep_t k = {.base = {.cls = &keep_class, .exec = &exec}};
  assert_true(sq_batch_init(&k.rows, s->input.width, ROWS));
  assert_true(sq_op_connect(pre, &k.base));
  assert_true(sq_op_push(pre, &s->input));
  assert_true(sq_op_advance(pre, SQ_WATERMARK_END)); /* the last windows' partials */
  char *direct = stage2(s, &s->input, false), *merged = stage2(s, &k.rows, true);
  assert_true(k.rows.n < ROWS);
  assert_true(strlen(direct) > 1000);
  assert_string_equal(direct, merged);
  free(direct);
  free(merged);
  pre->cls->destroy(pre);
  sq_batch_free(&k.rows);
  sq_arena_free(&exec.arena);
}

/* A damaged partial aggregate (not hex, a window start off the grid,
 * accumulators cut short) stops stage 2 with an error naming it, rather
 * than being merged as something else. */
static void a_damaged_partial_is_refused(void **state) {
  setup_t *s = *state;
  static const char *const bad[][2] = {{"zz", "0"}, {"00", "5"}, {"", "0"}};
  for (size_t b = 0; b < sizeof bad / sizeof *bad; b++) {
    sq_exec_t exec = {0};
    char err[256];
    sq_state_t *st = sq_state_new(NULL, 0, err, sizeof err);
    sq_window_spec_t win = sq_window_spec(s->q->select->select);
    sq_row_layout_t layout = sq_row_layout_single();
    sq_op_t *w = sq_op_window_agg_new(&exec, st, 1, &win, s->q->select, &layout, (uint32_t)s->q->output->n_columns);
    assert_non_null(w);
    sq_op_window_agg_partials(w, s->cols.window, s->cols.partial);
    sq_batch_t one;
    assert_true(sq_batch_init(&one, s->input.width, 1));
    sq_value_t *row = sq_batch_row(&one, 0);
    sq_set_null(row, one.width);
    row[0] = sq_str("hot", 3);
    row[s->cols.window] = sq_ts(1767225600000 + atoi(bad[b][1]));
    row[s->cols.partial] = sq_str(bad[b][0], (uint32_t)strlen(bad[b][0]));
    one.times[0] = 1767225600000, one.wms[0] = INT64_MIN, one.n = 1;
    assert_false(sq_op_push(w, &one));
    assert_non_null(strstr(exec.error, "partial aggregate of a repartition topic is damaged"));
    sq_batch_free(&one);
    sq_state_destroy(st);
    w->cls->destroy(w);
    sq_arena_free(&exec.arena);
  }
}

/* The runtime's records of the restart test: origin 1 resumed. */
static sq_preagg_origin_t resumed[ORIGINS];
static sq_preagg_origin_t *resumed_origin(void *ctx, uint32_t p) {
  (void)ctx;
  return p < ORIGINS ? &resumed[p] : NULL;
}

/* Rows of origin 1 from offset SQ_PREAGG_SEGMENT on, as text. */
static void origin1_text(const setup_t *s, const sq_batch_t *rows, sq_buf_t *out) {
  for (uint32_t r = 0; r < rows->n; r++) {
    const sq_value_t *row = sq_batch_row(rows, r);
    if (row[s->cols.partition].u.i != 1 || row[s->cols.offset].u.i < SQ_PREAGG_SEGMENT) continue;
    for (uint32_t i = 0; i < rows->width; i++) sq_encode_value(out, row[i], true), sq_buf_putc(out, ',');
    sq_buf_putc(out, '\n');
  }
}

/* A process that takes origin 1 over at its committed offset (the second
 * segment's start) with the note's largest event time writes exactly the
 * rows and partials the first one wrote from there, at the same origin
 * positions: stage 2 drops them as repeats. Without the note's event
 * time it would fold rows the first one sent as they were. */
static void a_restart_writes_the_same_partials(void **state) {
  setup_t *s = *state;
  sq_window_spec_t win = sq_window_spec(s->q->select->select);
  sq_batch_t tail;
  assert_true(sq_batch_init(&tail, s->input.width, ROWS));
  int64_t before = INT64_MIN;
  for (uint32_t r = 0; r < ROWS; r++) {
    const sq_value_t *row = sq_batch_row(&s->input, r);
    if (row[s->cols.partition].u.i != 1) continue;
    if (row[s->cols.offset].u.i < SQ_PREAGG_SEGMENT) {
      before = s->input.times[r] > before ? s->input.times[r] : before;
      continue;
    }
    memcpy(sq_batch_row(&tail, tail.n), row, s->input.width * sizeof *row);
    tail.times[tail.n] = s->input.times[r], tail.wms[tail.n++] = INT64_MIN;
  }
  sq_buf_t want = {0}, got[2] = {{0}};
  sq_exec_t exec = {0};
  for (int run = 0; run < 3; run++) { /* the first process; the restart with the note; one without it */
    sq_op_t *pre = sq_op_preaggregate_new(&exec, &win, s->q->select, 5000, &s->cols, s->input.width, s->ev);
    keep_t k = {.base = {.cls = &keep_class, .exec = &exec}};
    assert_true(pre && sq_batch_init(&k.rows, s->input.width, 2 * ROWS) && sq_op_connect(pre, &k.base));
    if (run > 0) {
      memset(resumed, 0, sizeof resumed);
      resumed[1] = (sq_preagg_origin_t){.epoch = 1, .resume_max_ts = run == 1 ? before : INT64_MIN, .resume_cut = -1};
      sq_op_preaggregate_origins(pre, resumed_origin, NULL);
    }
    assert_true(sq_op_push(pre, run ? &tail : &s->input));
    assert_true(sq_op_advance(pre, SQ_WATERMARK_END));
    origin1_text(s, &k.rows, run ? &got[run - 1] : &want);
    pre->cls->destroy(pre);
    sq_batch_free(&k.rows);
  }
  assert_true(want.len > 1000);
  assert_int_equal(want.len, got[0].len);
  assert_memory_equal(want.data, got[0].data, want.len);
  assert_true(got[1].len != want.len || memcmp(got[1].data, want.data, want.len) != 0);
  sq_buf_free(&want), sq_buf_free(&got[0]), sq_buf_free(&got[1]);
  sq_batch_free(&tail);
  sq_arena_free(&exec.arena);
}

/* The records of a process that holds every origin but 2. */
static sq_preagg_origin_t held[ORIGINS];
static sq_preagg_origin_t *all_but_2(void *ctx, uint32_t p) {
  (void)ctx;
  return p < ORIGINS && p != 2 ? &held[p] : NULL;
}

/* Rows of a partition the process no longer holds (read before it was
 * revoked) are not written at all: its new holder writes them, from the
 * committed offset, and what this process would fold from state started
 * over could differ. The others are written as usual. */
static void rows_of_a_partition_given_up_are_not_written(void **state) {
  setup_t *s = *state;
  sq_window_spec_t win = sq_window_spec(s->q->select->select);
  sq_exec_t exec = {0};
  for (uint32_t p = 0; p < ORIGINS; p++) held[p] = (sq_preagg_origin_t){.epoch = 1, .resume_max_ts = INT64_MIN, .resume_cut = -1};
  sq_op_t *pre = sq_op_preaggregate_new(&exec, &win, s->q->select, 5000, &s->cols, s->input.width, s->ev);
  keep_t k = {.base = {.cls = &keep_class, .exec = &exec}};
  assert_true(pre && sq_batch_init(&k.rows, s->input.width, 2 * ROWS) && sq_op_connect(pre, &k.base));
  sq_op_preaggregate_origins(pre, all_but_2, NULL);
  assert_true(sq_op_push(pre, &s->input));
  assert_true(sq_op_preaggregate_cut(pre, 2)); /* nothing to cut for it */
  uint32_t per[ORIGINS] = {0};
  for (uint32_t r = 0; r < k.rows.n; r++) per[sq_batch_row(&k.rows, r)[s->cols.partition].u.i]++;
  assert_int_equal(per[2], 0);
  assert_true(per[0] > 0 && per[1] > 0 && per[3] > 0);
  pre->cls->destroy(pre);
  sq_batch_free(&k.rows);
  sq_arena_free(&exec.arena);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(same_rows_however_batched),
      cmocka_unit_test(partials_merge_to_the_rows_answer),
      cmocka_unit_test(a_restart_writes_the_same_partials),
      cmocka_unit_test(a_damaged_partial_is_refused),
      cmocka_unit_test(rows_of_a_partition_given_up_are_not_written),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
