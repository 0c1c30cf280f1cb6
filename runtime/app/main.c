/* The streamq binary's entry point: everything is in the command modules. */
#include "runtime/app/cli.h"

int main(int argc, char **argv) { return sq_cli_main(argc, argv); }
