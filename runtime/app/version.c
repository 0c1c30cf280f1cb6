/* `streamq version`. */
#include "runtime/app/cli.h"

static int version_main(int argc, char **argv) {
  (void)argv;
  if (argc > 1) return sq_cli_bad_argument(&sq_cmd_version, "unexpected argument '%s'", argv[1]);
  printf("streamq %s\n", SQ_VERSION);
  return SQ_EXIT_OK;
}

const sq_command_t sq_cmd_version = {
    "version", "print the version",
    "usage: streamq version\n\nPrints streamq's version.\n",
    version_main,
};
