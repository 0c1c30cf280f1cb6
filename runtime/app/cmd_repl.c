/* placeholder */
#include "runtime/app/cli.h"
static int repl_main(int argc, char **argv) { (void)argc, (void)argv; return 1; }
const sq_command_t sq_cmd_repl = {"repl", "interactive SQL shell", "usage\n", repl_main};
