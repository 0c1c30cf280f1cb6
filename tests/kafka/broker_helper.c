/* A Kafka broker for integration tests, in a process of its own so the
 * engine under test can be killed and restarted against it: librdkafka's
 * mock cluster (the same one `streamq broker` runs). Prints the bootstrap
 * address on its first line, then obeys commands on standard input:
 *   down ID | up ID                      take broker ID down / back up
 *   fail API_KEY ERROR_CODE COUNT        fail the next COUNT requests
 *   topic NAME PARTITIONS                create a topic
 *   quit
 * Usage: broker_helper [--brokers N] [TOPIC:PARTITIONS]... */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/connectors/kafka/broker.h"

int main(int argc, char **argv) {
  int brokers = 1, first = 1;
  if (argc > 2 && strcmp(argv[1], "--brokers") == 0) brokers = atoi(argv[2]), first = 3;
  char err[256];
  sq_kafka_broker_t *b = sq_kafka_broker_start(brokers, 0, err, sizeof err);
  if (!b) {
    fprintf(stderr, "broker_helper: %s\n", err);
    return 1;
  }
  for (int i = first; i < argc; i++) {
    char name[256];
    int partitions = 1;
    if (sscanf(argv[i], "%255[^:]:%d", name, &partitions) < 1 || !sq_kafka_broker_create_topic(b, name, partitions, err, sizeof err)) {
      fprintf(stderr, "broker_helper: bad topic '%s' %s\n", argv[i], err);
      return 1;
    }
  }
  printf("%s\n", sq_kafka_broker_bootstrap(b));
  fflush(stdout);
  char line[512];
  while (fgets(line, sizeof line, stdin)) {
    char cmd[32], name[256];
    int x = 0, y = 0, z = 0;
    int n = sscanf(line, "%31s", cmd);
    if (n < 1) continue;
    bool ok = true;
    if (strcmp(cmd, "quit") == 0) break;
    else if (strcmp(cmd, "down") == 0 && sscanf(line, "%*s %d", &x) == 1) ok = sq_kafka_broker_set_down(b, x, true);
    else if (strcmp(cmd, "up") == 0 && sscanf(line, "%*s %d", &x) == 1) ok = sq_kafka_broker_set_down(b, x, false);
    else if (strcmp(cmd, "fail") == 0 && sscanf(line, "%*s %d %d %d", &x, &y, &z) == 3) sq_kafka_broker_fail_requests(b, (int16_t)x, y, z);
    else if (strcmp(cmd, "topic") == 0 && sscanf(line, "%*s %255s %d", name, &x) == 2) ok = sq_kafka_broker_create_topic(b, name, x, err, sizeof err);
    else ok = false;
    fprintf(stderr, "broker_helper: %s: %s\n", cmd, ok ? "ok" : "failed");
  }
  sq_kafka_broker_stop(b);
  return 0;
}
