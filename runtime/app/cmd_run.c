/* `streamq run FILE.sql`: run a pipeline until its finite sources are
 * drained (exit 0) or SIGINT/SIGTERM (flush sinks, exit 0). A runtime
 * failure exits 2 with a one-line reason. --embedded-broker runs a
 * development Kafka broker inside the process and creates every topic the
 * pipeline names, with --partitions partitions. */
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/analyze_tasks.h"
#include "engine/duration.h"
#include "engine/plan.h"
#include "runtime/app/checkpoint.h"
#include "runtime/app/cli.h"
#include "runtime/kit/clock.h"
#include "runtime/app/executor.h"
#include "runtime/connectors/kafka/broker.h"
#include "runtime/connectors/kafka/kafka.h"
#include "runtime/connectors/kafka/liveness.h"
#include "runtime/connectors/kafka/progress.h"
#include "runtime/kit/log.h"
#include "runtime/kit/options.h"
#include "runtime/app/pipeline.h"
#include "runtime/app/run_settings.h"
#include "runtime/kit/runtime.h"
#include "runtime/connectors/registry.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig) {
  (void)sig;
  stop_requested = 1;
}

typedef struct run_args {
  const char *path, *brokers, *state_dir;
  bool serve_metrics;
  struct sockaddr_in metrics_addr; /* --metrics-addr, when serve_metrics */
  bool quiet, embedded, reset_state;
  int partitions;
  int64_t checkpoint_interval_ms; /* 0: not given */
  char **sets;                    /* --set KEY=VALUE, in order (pointers into argv) */
  size_t n_sets;
} run_args_t;

static int parse(int argc, char **argv, run_args_t *a) {
  *a = (run_args_t){.partitions = 4, .sets = calloc((size_t)argc, sizeof *a->sets)};
  if (!a->sets) {
    fprintf(stderr, "streamq run: out of memory\n");
    return SQ_EXIT_RUNTIME;
  }
  for (int i = 1; i < argc; i++) {
    bool has_value = i + 1 < argc;
    if (strcmp(argv[i], "--quiet") == 0) a->quiet = true;
    else if (strcmp(argv[i], "--embedded-broker") == 0) a->embedded = true;
    else if (strcmp(argv[i], "--brokers") == 0 && has_value) a->brokers = argv[++i];
    else if (strcmp(argv[i], "--metrics-addr") == 0 && has_value) {
      char err[256];
      if (!(a->serve_metrics = sq_metrics_addr_parse(argv[++i], &a->metrics_addr, err, sizeof err)))
        return sq_cli_bad_argument(&sq_cmd_run, "%s", err);
    }
    else if (strcmp(argv[i], "--state-dir") == 0 && has_value) a->state_dir = argv[++i];
    else if (strcmp(argv[i], "--reset-state") == 0) a->reset_state = true;
    else if (strcmp(argv[i], "--set") == 0 && has_value) {
      const char *eq = strchr(argv[++i], '=');
      if (!eq || eq == argv[i]) return sq_cli_bad_argument(&sq_cmd_run, "--set needs KEY=VALUE, got '%s'", argv[i]);
      a->sets[a->n_sets++] = argv[i];
    }
    else if (strcmp(argv[i], "--checkpoint-interval") == 0 && has_value) {
      if (!sq_duration_parse(argv[++i], &a->checkpoint_interval_ms) || a->checkpoint_interval_ms <= 0)
        return sq_cli_bad_argument(&sq_cmd_run, "--checkpoint-interval needs a duration like '10 seconds' or 500ms");
    }
    else if (strcmp(argv[i], "--log-format") == 0 && has_value) {
      const char *f = argv[++i];
      if (strcmp(f, "json") != 0 && strcmp(f, "text") != 0) return sq_cli_bad_argument(&sq_cmd_run, "--log-format is text or json");
      sq_log_set_json(strcmp(f, "json") == 0);
    }
    else if (strcmp(argv[i], "--partitions") == 0 && has_value) {
      a->partitions = atoi(argv[++i]);
      if (a->partitions < 1) return sq_cli_bad_argument(&sq_cmd_run, "--partitions needs a positive number");
    } else if (argv[i][0] == '-' && argv[i][1]) return sq_cli_bad_argument(&sq_cmd_run, "unknown option '%s'", argv[i]);
    else if (a->path) return sq_cli_bad_argument(&sq_cmd_run, "unexpected argument '%s'", argv[i]);
    else a->path = argv[i];
  }
  if (a->embedded && a->brokers) return sq_cli_bad_argument(&sq_cmd_run, "--brokers and --embedded-broker exclude each other");
  return a->path ? SQ_EXIT_OK : sq_cli_bad_argument(&sq_cmd_run, "missing the pipeline file");
}

/* Creates every Kafka topic the pipeline names on the embedded broker,
 * the progress topic of each transactional sink, and the changelog of a
 * source running as tasks (the broker cannot create topics on request). */
static bool create_topics(sq_kafka_broker_t *b, const sq_program_t *prog, const sq_runtime_t *rt, int partitions, char *err,
                          size_t err_size) {
  static const char *const keys[] = {"topic", "dlq_topic"};
  for (size_t i = 0; i < sq_catalog_count(prog->catalog); i++) {
    const sq_relation_t *rel = sq_catalog_at(prog->catalog, i);
    if (rel->connector != &sq_connector_kafka.spec) continue;
    for (size_t k = 0; k < 2; k++) {
      char *topic = sq_option_string(rel, keys[k], err, err_size), progress[300];
      const sq_ast_t *count = k == 0 ? sq_relation_option(rel, "repartition_partitions") : NULL; /* a repartition topic's */
      bool ok = !topic || sq_kafka_broker_create_topic(b, topic, count ? (int)count->ival : partitions, err, err_size);
      if (ok && topic && k == 0 && sq_option_is(rel, "delivery", "exactly_once")) {
        sq_kafka_progress_topic(topic, progress, sizeof progress);
        ok = sq_kafka_broker_create_topic(b, progress, 1, err, err_size);
      }
      free(topic);
      if (!ok || err[0]) return false;
    }
    if (rel->kind == SQ_REL_SOURCE && sq_relation_option(rel, "partitioned_by")) {
      char changelog[300];
      sq_kafka_changelog_topic(rel, rt, changelog, sizeof changelog);
      if (!sq_kafka_broker_create_topic(b, changelog, partitions, err, err_size)) return false;
    }
  }
  return true;
}

/* The "start" event: what runs, from where, into what. */
static void log_start(const char *path, const sq_plan_t *plan, const char *state_dir) {
  sq_buf_t b = {0};
  for (uint32_t i = 0; i < plan->n_sources; i++) {
    sq_buf_puts(&b, i ? ", " : "");
    sq_buf_puts(&b, plan->sources[i].rel->name);
  }
  sq_buf_puts(&b, "; sinks: ");
  for (uint32_t i = 0; i < plan->n_sinks; i++) {
    sq_buf_puts(&b, i ? ", " : "");
    sq_buf_puts(&b, plan->sinks[i]->name);
  }
  sq_buf_putc(&b, '\0');
  sq_log("start", "pipeline %s (streamq %s): sources: %s; state: %s", path, SQ_VERSION, b.failed ? "?" : b.data, state_dir);
  sq_buf_free(&b);
}

/* Checkpoint interval, cache size, warning thresholds: options over SET
 * over defaults. */
static bool load_settings(const run_args_t *a, const sq_program_t *prog, sq_runtime_t *rt, size_t *cache_bytes, char *err,
                          size_t err_size) {
  if (!sq_run_settings_load(prog, rt, cache_bytes, err, err_size)) return false;
  if (a->checkpoint_interval_ms) rt->checkpoint_interval_ms = a->checkpoint_interval_ms;
  return true;
}

/* Whether the pipeline talks to Kafka, so /health watches the cluster:
 * its Kafka sinks are open by now, its sources open when it runs. */
static bool uses_kafka(const sq_plan_t *plan) {
  if (sq_kafka_broker_up() >= 0) return true;
  for (uint32_t i = 0; i < plan->n_sources; i++)
    if (plan->sources[i].rel->connector == &sq_connector_kafka.spec) return true;
  return false;
}

static int run_pipeline(const run_args_t *a, const sq_pipeline_t *pipeline) {
  const sq_program_t *prog = pipeline->prog;
  char err[2048] = "";
  char *copy = strdup(a->path), *stem = copy ? basename(copy) : "pipeline";
  char *dot = strrchr(stem, '.');
  if (dot && dot != stem) *dot = '\0';
  sq_runtime_t rt = {.pipeline = stem, .quiet = a->quiet, .metrics = sq_metrics_new(), .health = {.broker_up = -1, .started = sq_clock_seconds()},
                     .task_leader = sq_program_task_source(prog)};
  sq_health_init(&rt.health);
  sq_kafka_broker_t *broker = NULL;
  sq_metrics_http_t *http = NULL;
  sq_kafka_liveness_t *liveness = NULL;
  sq_plan_t *plan = NULL;
  sq_checkpointer_t *cp = NULL;
  int status = SQ_EXIT_RUNTIME;
  if (!rt.metrics) {
    snprintf(err, sizeof err, "out of memory");
    goto out;
  }
  /* a taken port stops the run before anything is read or created */
  if (a->serve_metrics && !(http = sq_metrics_http_start(&a->metrics_addr, rt.metrics, &rt.health, err, sizeof err))) goto out;
  if (a->embedded) {
    if (!(broker = sq_kafka_broker_start(1, 0, err, sizeof err)) || !create_topics(broker, prog, &rt, a->partitions, err, sizeof err))
      goto out;
  }
  if (!sq_kafka_settings_load(&rt.kafka, prog, broker ? sq_kafka_broker_bootstrap(broker) : a->brokers, err, sizeof err)) goto out;
  size_t cache_bytes;
  char default_dir[4200];
  snprintf(default_dir, sizeof default_dir, ".streamq/%s", stem);
  sq_state_t *state;
  if (!load_settings(a, prog, &rt, &cache_bytes, err, sizeof err) ||
      !(cp = sq_checkpointer_open(a->state_dir ? a->state_dir : default_dir, a->reset_state, a->quiet, cache_bytes, &state, err, sizeof err)) ||
      !(plan = sq_plan_build(prog, state, sq_sink_open, &rt, err, sizeof err)) ||
      !sq_checkpointer_restore_plan(cp, plan, pipeline->file.text, err, sizeof err))
    goto out;
  if (uses_kafka(plan) && !(liveness = sq_kafka_liveness_start(&rt.kafka, err, sizeof err))) goto out;
  if (!a->quiet) log_start(pipeline->file.sql ? sq_sql_name(pipeline->file.sql) : a->path, plan,
                           a->state_dir ? a->state_dir : default_dir);
  struct sigaction sa = {.sa_handler = on_signal};
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  signal(SIGXFSZ, SIG_IGN); /* a file size limit is an error to report (EFBIG), not a reason to die */
  sq_run_stats_t stats;
  status = sq_execute(plan, &rt, cp, &stop_requested, &stats);
  if (!a->quiet)
    sq_log(status == 0 ? "done" : "stopped", "%llu records in, %llu out, %llu late, %llu bad, %llu divisions by zero",
           (unsigned long long)stats.records_in, (unsigned long long)stats.records_out, (unsigned long long)stats.late_records,
           (unsigned long long)stats.bad_records, (unsigned long long)stats.div_by_zero);
out:
  if (status == SQ_EXIT_RUNTIME && err[0]) fprintf(stderr, "streamq run: %s\n", err);
  sq_metrics_http_stop(http);
  sq_kafka_liveness_stop(liveness);
  sq_plan_destroy(plan); /* sinks and readers are gone before the broker */
  sq_checkpointer_close(cp);
  sq_metrics_destroy(rt.metrics);
  sq_health_free(&rt.health);
  sq_kafka_settings_free(&rt.kafka);
  sq_kafka_broker_stop(broker);
  free(copy);
  return status;
}

static int run_main(int argc, char **argv) {
  run_args_t a;
  int bad = parse(argc, argv, &a);
  if (bad) {
    free(a.sets);
    return bad;
  }
  sq_pipeline_t p;
  int status = sq_pipeline_load(a.path, "run", &p);
  if (status == SQ_EXIT_OK) status = sq_pipeline_override(&p, a.sets, a.n_sets, "run");
  if (status == SQ_EXIT_OK) status = sq_pipeline_cut_stages(&p, "run");
  if (status == SQ_EXIT_OK) status = run_pipeline(&a, &p);
  sq_pipeline_free(&p);
  free(a.sets);
  return status;
}

const sq_command_t sq_cmd_run = {
    "run", "run a pipeline",
    "usage: streamq run FILE.sql [--brokers HOST:PORT,...] [--embedded-broker [--partitions N]]\n"
    "                            [--state-dir DIR] [--checkpoint-interval DURATION] [--reset-state]\n"
    "                            [--metrics-addr [HOST:]PORT] [--log-format text|json] [--quiet]\n"
    "                            [--set KEY=VALUE]...\n"
    "\n"
    "Runs every query of FILE.sql. With finite sources (file with follow =\n"
    "false, datagen with a count) it ends when they are drained: every open\n"
    "window is emitted, sinks are flushed, and the exit status is 0. Kafka\n"
    "sources never end. Ctrl-C or SIGTERM stops cleanly, waiting for Kafka\n"
    "deliveries. A runtime failure exits 2 with the reason.\n"
    "\n"
    "State and input positions are checkpointed to the state directory; a run\n"
    "that was stopped or killed continues from its last checkpoint, and its\n"
    "output files are cut back to that checkpoint, so nothing is lost or\n"
    "written twice. A finished finite run starts over when run again.\n"
    "\n"
    "options:\n"
    "  --brokers LIST      Kafka bootstrap servers (overrides SET 'kafka.bootstrap.servers';\n"
    "                      the environment variable STREAMQ_BROKERS is the fallback)\n"
    "  --embedded-broker   run a development Kafka broker inside this process and\n"
    "                      create the pipeline's topics on it\n"
    "  --partitions N      partitions of those topics (default 4)\n"
    "  --state-dir DIR     where state and checkpoints live (default .streamq/<file stem>)\n"
    "  --checkpoint-interval D  time between checkpoints (default 10 seconds;\n"
    "                      overrides SET 'checkpoint.interval')\n"
    "  --reset-state       discard the state directory and start from the beginning\n"
    "  --metrics-addr A    serve GET /metrics (Prometheus) and GET /health (JSON) at\n"
    "                      [HOST:]PORT; HOST defaults to 127.0.0.1\n"
    "  --log-format F      log lines as text (default) or one JSON object per line\n"
    "  --quiet             no summary or informational lines on standard error\n"
    "  --set KEY=VALUE     a setting, as SET 'KEY' = 'VALUE' after the file's own\n"
    "                      (so it wins); repeatable\n"
    "  --help              show this help\n",
    run_main,
};
