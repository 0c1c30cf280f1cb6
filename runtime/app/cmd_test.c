/* `streamq test FILE.sql [TEST.json ...]`: runs the pipeline once per
 * test with fixture inputs instead of its sources and every sink captured
 * in memory, through the same planner and executor as `run`, and compares
 * what the sinks got with what the test expects. Each test runs on fresh
 * state in a throwaway directory, removed afterwards. Exit status: 0 all
 * passed, 1 a test failed, 2 a test file or the pipeline is invalid. */
#include <glob.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/plan.h"
#include "runtime/app/checkpoint.h"
#include "runtime/app/cli.h"
#include "runtime/app/executor.h"
#include "runtime/app/pipeline.h"
#include "runtime/app/run_settings.h"
#include "runtime/app/test_capture.h"
#include "runtime/app/test_compare.h"
#include "runtime/app/test_fixture.h"
#include "runtime/app/test_report.h"
#include "runtime/app/test_update.h"
#include "runtime/kit/clock.h"
#include "runtime/kit/options.h"
#include "runtime/kit/state_leveldb.h"

enum { TEST_PASSED = 0, TEST_FAILED = 1, TEST_INVALID = 2 };

typedef struct test_args {
  const char *pipeline;
  const char **files; /* pointers into argv, or into `found` */
  size_t n_files;
  glob_t found;
  bool junit, update;
} test_args_t;

static int parse(int argc, char **argv, test_args_t *a) {
  *a = (test_args_t){.files = calloc((size_t)argc, sizeof *a->files)};
  if (!a->files) return fprintf(stderr, "streamq test: out of memory\n"), TEST_INVALID;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--update") == 0) a->update = true;
    else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
      const char *f = argv[++i];
      if (strcmp(f, "junit") != 0 && strcmp(f, "text") != 0) return sq_cli_bad_argument(&sq_cmd_test, "--format is text or junit"), TEST_INVALID;
      a->junit = strcmp(f, "junit") == 0;
    } else if (argv[i][0] == '-' && argv[i][1]) return sq_cli_bad_argument(&sq_cmd_test, "unknown option '%s'", argv[i]), TEST_INVALID;
    else if (!a->pipeline) a->pipeline = argv[i];
    else a->files[a->n_files++] = argv[i];
  }
  if (!a->pipeline) return sq_cli_bad_argument(&sq_cmd_test, "missing the pipeline file"), TEST_INVALID;
  return TEST_PASSED;
}

/* With no test files named: FILE.test.json and FILE.tests/ *.json beside
 * the pipeline (FILE: its path without .sql). */
static int discover(test_args_t *a) {
  size_t len = strlen(a->pipeline);
  size_t stem = len > 4 && strcmp(a->pipeline + len - 4, ".sql") == 0 ? len - 4 : len;
  char pattern[4200];
  snprintf(pattern, sizeof pattern, "%.*s.test.json", (int)stem, a->pipeline);
  int g = glob(pattern, 0, NULL, &a->found);
  snprintf(pattern, sizeof pattern, "%.*s.tests/*.json", (int)stem, a->pipeline);
  if (g == 0 || g == GLOB_NOMATCH) g = glob(pattern, a->found.gl_pathc ? GLOB_APPEND : 0, NULL, &a->found);
  if (g != 0 && g != GLOB_NOMATCH) return fprintf(stderr, "streamq test: cannot list the tests beside %s\n", a->pipeline), TEST_INVALID;
  if (a->found.gl_pathc == 0)
    return fprintf(stderr, "streamq test: no tests for %s: expected %.*s.test.json or %.*s.tests/*.json\n", a->pipeline, (int)stem,
                   a->pipeline, (int)stem, a->pipeline), TEST_INVALID;
  const char **v = realloc(a->files, a->found.gl_pathc * sizeof *v);
  if (!v) return fprintf(stderr, "streamq test: out of memory\n"), TEST_INVALID;
  a->files = v;
  for (size_t i = 0; i < a->found.gl_pathc; i++) a->files[a->n_files++] = a->found.gl_pathv[i];
  return TEST_PASSED;
}

/* A source the test leaves alone that would never end. */
static const char *unbounded_source(const sq_program_t *prog, const sq_test_case_t *t) {
  for (size_t i = 0; i < sq_catalog_count(prog->catalog); i++) {
    const sq_relation_t *rel = sq_catalog_at(prog->catalog, i);
    if ((rel->kind == SQ_REL_SOURCE || rel->kind == SQ_REL_TABLE) && strcmp(rel->connector->name, "datagen") == 0 &&
        !sq_test_input(t, rel->name) && sq_option_int(rel, "count") == 0)
      return rel->name;
  }
  return NULL;
}

/* The checks beyond sink rows: bad records per source, late records. */
static bool check_counts(const sq_test_case_t *t, const sq_fixtures_t *fx, const sq_program_t *prog, uint64_t late, sq_buf_t *detail) {
  bool ok = true;
  char line[600];
  for (size_t i = 0; i < t->n_bad; i++) {
    uint64_t got = sq_fixtures_bad(fx, prog, t->bad[i].source);
    if (got == (uint64_t)t->bad[i].n) continue;
    snprintf(line, sizeof line, "  source '%s': %lld bad records expected, %llu counted\n", t->bad[i].source, (long long)t->bad[i].n,
             (unsigned long long)got);
    sq_buf_puts(detail, line);
    ok = false;
  }
  if (t->late >= 0 && late != (uint64_t)t->late) {
    snprintf(line, sizeof line, "  %lld late records expected, %llu dropped\n", (long long)t->late, (unsigned long long)late);
    sq_buf_puts(detail, line);
    ok = false;
  }
  return ok;
}

/* Compares every sink the test names, keeping every sink's rows in `out`. */
static bool check_sinks(const sq_test_case_t *t, const sq_plan_t *plan, sq_buf_t *detail, sq_test_outputs_t *out) {
  bool ok = true;
  for (size_t e = 0; e < t->n_expects; e++) {
    const sq_buf_t *rows = &(sq_buf_t){0};
    for (uint32_t s = 0; s < plan->n_sinks; s++)
      if (strcmp(plan->sinks[s]->name, t->expects[e].sink) == 0) rows = sq_capture_rows(plan->sinks[s]);
    ok &= sq_test_compare(t->expects[e].sink, t->expects[e].rows, t->expects[e].n_rows, rows, t->ordered, detail);
  }
  if (!out) return ok;
  if (!(out->sinks = calloc(plan->n_sinks + 1, sizeof *out->sinks))) return false;
  for (uint32_t s = 0; s < plan->n_sinks; s++) {
    const sq_buf_t *rows = sq_capture_rows(plan->sinks[s]);
    out->sinks[out->n].sink = plan->sinks[s]->name;
    sq_buf_append(&out->sinks[out->n++].rows, rows->data, rows->len);
  }
  out->ran = true;
  return ok;
}

/* One run of the pipeline on the test's fixtures, in a throwaway state
 * directory. TEST_INVALID (after printing why) when it cannot start. */
static int run_case(const sq_pipeline_t *p, const char *stem, const sq_test_case_t *t, sq_buf_t *detail, sq_test_outputs_t *out) {
  const sq_program_t *prog = p->prog;
  char err[2048] = "", dir[4200], state_dir[4300];
  const char *tmp = getenv("TMPDIR");
  snprintf(dir, sizeof dir, "%s/streamq-test-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
  if (!mkdtemp(dir)) return perror("streamq test: cannot make a state directory"), TEST_INVALID;
  snprintf(state_dir, sizeof state_dir, "%s/state", dir);
  sq_runtime_t rt = {.pipeline = stem, .quiet = true, .metrics = sq_metrics_new(), .health = {.broker_up = -1, .started = sq_clock_seconds()},
                     .open_reader = sq_fixture_reader_open};
  sq_health_init(&rt.health);
  sq_fixtures_t fx = {0};
  sq_plan_t *plan = NULL;
  sq_checkpointer_t *cp = NULL;
  sq_state_t *state;
  size_t cache_bytes;
  int status = TEST_INVALID;
  rt.open_reader_ctx = &fx;
  if (!rt.metrics || !sq_fixtures_init(&fx, t, prog)) snprintf(err, sizeof err, "out of memory");
  else if (sq_run_settings_load(prog, &rt, &cache_bytes, err, sizeof err) &&
           (cp = sq_checkpointer_open(state_dir, true, true, cache_bytes, &state, err, sizeof err)) &&
           (plan = sq_plan_build(prog, state, sq_capture_open, NULL, err, sizeof err)) &&
           sq_checkpointer_restore_plan(cp, plan, p->file.text, err, sizeof err)) {
    static volatile sig_atomic_t never;
    sq_run_stats_t stats;
    if (sq_execute(plan, &rt, cp, &never, &stats) != 0) {
      sq_buf_puts(detail, "  the run failed: ");
      sq_buf_puts(detail, plan->exec.failed ? plan->exec.error : "see the error above");
      sq_buf_putc(detail, '\n');
      status = TEST_FAILED;
    } else {
      bool sinks_ok = check_sinks(t, plan, detail, out);
      status = check_counts(t, &fx, prog, stats.late_records, detail) && sinks_ok ? TEST_PASSED : TEST_FAILED;
    }
  }
  if (status == TEST_INVALID) fprintf(stderr, "streamq test: %s\n", err);
  sq_plan_destroy(plan);
  sq_checkpointer_close(cp);
  sq_leveldb_remove(state_dir, err, sizeof err);
  rmdir(state_dir);
  rmdir(dir);
  sq_fixtures_free(&fx);
  sq_metrics_destroy(rt.metrics);
  sq_health_free(&rt.health);
  return status;
}

/* Runs every test of one file; the worst status. */
static int run_file(sq_pipeline_t *p, const char *stem, const char *path, sq_test_report_t *report, bool update) {
  sq_test_file_t f;
  int worst = TEST_PASSED;
  sq_test_outputs_t *outputs = NULL;
  if (!sq_test_file_load(&f, path, p->prog)) worst = TEST_INVALID;
  else if (update && !(outputs = calloc(f.n_cases + 1, sizeof *outputs))) worst = TEST_INVALID;
  for (size_t c = 0; worst != TEST_INVALID && c < f.n_cases; c++) {
    const sq_test_case_t *t = &f.cases[c];
    const char *source = unbounded_source(p->prog, t);
    if (source) {
      fprintf(stderr, "streamq test: %s: test '%s': source '%s' generates rows without end (a datagen source without count): give it a fixture in inputs\n",
              path, t->name, source);
      worst = TEST_INVALID;
      break;
    }
    if (sq_pipeline_override(p, t->sets, t->n_sets, "test") != SQ_EXIT_OK) {
      worst = TEST_INVALID;
      break;
    }
    sq_buf_t detail = {0};
    double started = sq_clock_seconds();
    int status = run_case(p, stem, t, &detail, outputs ? &outputs[c] : NULL);
    sq_pipeline_drop_overrides(p);
    sq_buf_putc(&detail, '\0');
    if (status != TEST_INVALID && !sq_test_report_add(report, path, t->name, sq_clock_seconds() - started, status == TEST_PASSED,
                                                       detail.failed ? "  out of memory\n" : detail.data))
      status = TEST_INVALID;
    sq_buf_free(&detail);
    if (status > worst) worst = status;
  }
  char err[512];
  if (update && worst != TEST_INVALID) {
    if (!sq_test_update(&f, outputs, err, sizeof err)) fprintf(stderr, "streamq test: %s\n", err), worst = TEST_INVALID;
    else fprintf(stderr, "streamq test: updated %s\n", path);
  }
  for (size_t c = 0; outputs && c < f.n_cases; c++) sq_test_outputs_free(&outputs[c]);
  free(outputs);
  sq_test_file_free(&f);
  return worst;
}

static int test_main(int argc, char **argv) {
  test_args_t a;
  int status = parse(argc, argv, &a);
  if (status == TEST_PASSED && a.n_files == 0) status = discover(&a);
  sq_pipeline_t p = {0};
  if (status == TEST_PASSED && sq_pipeline_load(a.pipeline, "test", &p) != SQ_EXIT_OK) status = TEST_INVALID;
  char *copy = strdup(a.pipeline ? a.pipeline : "pipeline"), *stem = copy ? basename(copy) : "pipeline";
  char *dot = strrchr(stem, '.');
  if (dot && dot != stem) *dot = '\0';
  sq_test_report_t report = {.junit = a.junit, .out = stdout};
  for (size_t i = 0; status != TEST_INVALID && i < a.n_files; i++) {
    int s = run_file(&p, stem, a.files[i], &report, a.update);
    if (s > status) status = s;
  }
  if (status != TEST_INVALID) sq_test_report_finish(&report);
  if (a.update && status == TEST_FAILED) status = TEST_PASSED; /* the expectations now say what the pipeline does */
  sq_test_report_free(&report);
  sq_pipeline_free(&p);
  free(copy);
  free(a.files);
  globfree(&a.found);
  return status;
}

const sq_command_t sq_cmd_test = {
    "test", "run a pipeline's tests: fixture inputs, expected outputs, no broker",
    "usage: streamq test FILE.sql [TEST.json ...] [--format text|junit] [--update]\n"
    "\n"
    "Runs FILE.sql once per test with the test's fixture rows in place of its\n"
    "sources and tables, and every sink captured in memory, then compares what\n"
    "each sink got with what the test expects. Without TEST.json arguments the\n"
    "tests are FILE.test.json and FILE.tests/*.json beside the pipeline. Event\n"
    "time, watermarks and lateness work as in `run`; the end of the fixture\n"
    "input closes every window. Nothing is read from Kafka or written anywhere;\n"
    "state lives in a temporary directory that is removed afterwards.\n"
    "\n"
    "A test file holds one test or an array of them:\n"
    "  {\"name\": \"two big payments raise one alert\",\n"
    "   \"inputs\": {\"payments\": [{\"card\": \"c1\", \"amount\": 900, \"ts\": \"...\"}],\n"
    "              \"users\": \"fixtures/users.jsonl\"},\n"
    "   \"expect\": {\"alerts\": [{\"card\": \"c1\", \"n\": 2}]},\n"
    "   \"ordered\": false, \"expect_bad\": {\"payments\": 1}, \"expect_late\": 0,\n"
    "   \"interleave\": [[\"payments\", 0], [\"users\", 0], ...],\n"
    "   \"set\": {\"checkpoint.interval\": \"1s\"}}\n"
    "Rows are compared as JSON values (1 equals 1.0), as multisets unless\n"
    "\"ordered\" is true; a sink the test does not name is not checked. A row may\n"
    "set the Kafka metadata _key, _partition, _offset and _timestamp. A source\n"
    "without a fixture is empty, except a datagen source with a count, which\n"
    "generates as usual. README \"Testing pipelines\" has the details.\n"
    "\n"
    "Exit status: 0 every test passed, 1 a test failed, 2 a test file or the\n"
    "pipeline is invalid (FILE:LINE:COL diagnostics on standard error).\n"
    "\n"
    "options:\n"
    "  --format F   text (default): PASS/FAIL a test a line, a diff under each\n"
    "               failure; junit: one JUnit XML document on standard output\n"
    "  --update     rewrite each test's expect from what the pipeline produced,\n"
    "               keeping the rest of the file (review the change in a diff);\n"
    "               exits 0 unless a file is invalid\n"
    "  --help       show this help\n",
    test_main,
};
