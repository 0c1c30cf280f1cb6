/* `streamq broker`: an embedded development broker in the foreground
 * until Ctrl-C, for running pipelines on a machine with no Kafka. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/app/cli.h"
#include "runtime/connectors/kafka/broker.h"

static volatile sig_atomic_t stop;
static void on_signal(int sig) {
  (void)sig;
  stop = 1;
}

/* A positive integer argument, or -1. */
static int positive(const char *text) {
  char *end;
  long v = strtol(text, &end, 10);
  return *end || v <= 0 || v > 65535 ? -1 : (int)v;
}

static int broker_main(int argc, char **argv) {
  int port = 9092, partitions = 4;
  const char *topics[64];
  int n_topics = 0;
  for (int i = 1; i < argc; i++) {
    bool has_value = i + 1 < argc;
    if (strcmp(argv[i], "--port") == 0 && has_value) {
      if ((port = positive(argv[++i])) < 0) return sq_cli_bad_argument(&sq_cmd_broker, "--port needs a port number");
    } else if (strcmp(argv[i], "--partitions") == 0 && has_value) {
      if ((partitions = positive(argv[++i])) < 0) return sq_cli_bad_argument(&sq_cmd_broker, "--partitions needs a positive number");
    } else if (strcmp(argv[i], "--topic") == 0 && has_value && n_topics < 64) {
      topics[n_topics++] = argv[++i];
    } else {
      return sq_cli_bad_argument(&sq_cmd_broker, "unexpected argument '%s'", argv[i]);
    }
  }
  char err[256];
  sq_kafka_broker_t *b = sq_kafka_broker_start(1, port, err, sizeof err);
  if (!b) {
    fprintf(stderr, "streamq broker: %s\n", err);
    return SQ_EXIT_RUNTIME;
  }
  for (int i = 0; i < n_topics; i++) {
    if (!sq_kafka_broker_create_topic(b, topics[i], partitions, err, sizeof err)) {
      fprintf(stderr, "streamq broker: %s\n", err);
      sq_kafka_broker_stop(b);
      return SQ_EXIT_RUNTIME;
    }
  }
  struct sigaction sa = {.sa_handler = on_signal};
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  printf("streamq broker: listening on %s (embedded development broker: about 5 MiB kept per partition, nothing persisted)\n",
         sq_kafka_broker_bootstrap(b));
  fflush(stdout);
  while (!stop) pause();
  sq_kafka_broker_stop(b);
  return SQ_EXIT_OK;
}

const sq_command_t sq_cmd_broker = {
    "broker", "run an embedded Kafka broker for development",
    "usage: streamq broker [--port 9092] [--partitions 4] [--topic NAME]...\n"
    "\n"
    "Runs librdkafka's mock Kafka cluster in the foreground until Ctrl-C and\n"
    "prints its bootstrap address. Topics named with --topic are created with\n"
    "--partitions partitions; other topics are created on first use with 4.\n"
    "It keeps about 5 MiB per partition (older records are dropped) and\n"
    "nothing survives the process: for development and tests, not production.\n",
    broker_main,
};
