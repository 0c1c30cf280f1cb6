/* `streamq explain FILE.sql`: the operator plan, one line per source and
 * operator, with inputs, keys, windows, watermark rules and state. */

#include "engine/plan.h"
#include "runtime/app/cli.h"
#include "runtime/app/pipeline.h"
#include "runtime/connectors/registry.h"

static int explain_main(int argc, char **argv) {
  const char *path;
  int bad = sq_cli_file_arguments(&sq_cmd_explain, argc, argv, NULL, NULL, &path);
  if (bad) return bad;
  sq_pipeline_t p;
  int status = sq_pipeline_load(path, "explain", &p);
  if (status == SQ_EXIT_OK) status = sq_pipeline_cut_stages(&p, "explain");
  if (status == SQ_EXIT_OK) {
    char err[512];
    sq_state_t *state = sq_state_new(NULL, 0, err, sizeof err);
    sq_plan_t *plan = state ? sq_plan_build(p.prog, state, sq_sink_describe_only, NULL, err, sizeof err) : NULL;
    if (plan) sq_plan_explain(plan, stdout);
    else fprintf(stderr, "streamq explain: %s\n", err), status = SQ_EXIT_INVALID;
    sq_plan_destroy(plan);
  }
  sq_pipeline_free(&p);
  return status;
}

const sq_command_t sq_cmd_explain = {
    "explain", "print the operator plan of a pipeline",
    "usage: streamq explain FILE.sql\n"
    "\n"
    "Prints the plan of FILE.sql: each source with its event-time and\n"
    "watermark rule, then each operator as '#N Name <- input: details',\n"
    "with the keys, window and state it keeps.\n",
    explain_main,
};
