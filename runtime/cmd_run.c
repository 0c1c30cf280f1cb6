/* `streamq run FILE.sql`: run a pipeline until its finite sources are
 * drained (exit 0) or SIGINT/SIGTERM (flush sinks, exit 0). A runtime
 * failure exits 2 with a one-line reason. */
#include <signal.h>

#include "engine/plan.h"
#include "runtime/cli.h"
#include "runtime/executor.h"
#include "runtime/pipeline.h"
#include "runtime/sinks.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig) {
  (void)sig;
  stop_requested = 1;
}

static int run_main(int argc, char **argv) {
  const char *path;
  bool quiet;
  int bad = sq_cli_file_arguments(&sq_cmd_run, argc, argv, "--quiet", &quiet, &path);
  if (bad) return bad;
  sq_pipeline_t p;
  int status = sq_pipeline_load(path, "run", &p);
  if (status == SQ_EXIT_OK) {
    char err[512];
    sq_plan_t *plan = sq_plan_build(p.prog, sq_sink_open, NULL, err, sizeof err);
    if (!plan) {
      fprintf(stderr, "streamq run: %s\n", err);
      status = SQ_EXIT_RUNTIME;
    } else {
      struct sigaction sa = {.sa_handler = on_signal};
      sigaction(SIGINT, &sa, NULL);
      sigaction(SIGTERM, &sa, NULL);
      sq_run_stats_t stats;
      status = sq_execute(plan, &stop_requested, &stats);
      if (!quiet)
        fprintf(stderr, "streamq run: %s: %llu records in, %llu out, %llu late, %llu bad, %llu divisions by zero\n",
                status == 0 ? "done" : "stopped", (unsigned long long)stats.records_in, (unsigned long long)stats.records_out,
                (unsigned long long)stats.late_records, (unsigned long long)stats.bad_records,
                (unsigned long long)stats.div_by_zero);
    }
    sq_plan_destroy(plan);
  }
  sq_pipeline_free(&p);
  return status;
}

const sq_command_t sq_cmd_run = {
    "run", "run a pipeline",
    "usage: streamq run FILE.sql [--quiet]\n"
    "\n"
    "Runs every query of FILE.sql. With finite sources (file with follow =\n"
    "false, datagen with a count) it ends when they are drained: every open\n"
    "window is emitted, sinks are flushed, and the exit status is 0. Ctrl-C\n"
    "or SIGTERM stops it cleanly. A runtime failure exits 2 with the reason.\n"
    "\n"
    "options:\n"
    "  --quiet    no summary line on standard error\n"
    "  --help     show this help\n",
    run_main,
};
