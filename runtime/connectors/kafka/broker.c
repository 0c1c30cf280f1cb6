/* The mock cluster and its bootstrap forwarder. librdkafka 2.0's mock
 * brokers listen on ephemeral ports, so a fixed --port is served by a small
 * TCP relay to broker 1: clients bootstrap through it, then connect to the
 * brokers' advertised addresses directly. One relay thread per connection;
 * bootstrap connections are few and short-lived. */
#include "runtime/connectors/kafka/broker.h"

#include <arpa/inet.h>
#include <errno.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct sq_kafka_broker {
  rd_kafka_t *rk;
  rd_kafka_mock_cluster_t *cluster;
  char bootstrap[64];
  struct sockaddr_in upstream;
  int listen_fd;
  pthread_t acceptor;
  bool forwarding;
};

typedef struct relay {
  int a, b;
} relay_t;

static void *relay_main(void *arg) {
  relay_t r = *(relay_t *)arg;
  free(arg);
  struct pollfd fds[2] = {{r.a, POLLIN, 0}, {r.b, POLLIN, 0}};
  char buf[16384];
  for (;;) {
    if (poll(fds, 2, -1) < 0 && errno != EINTR) break;
    bool done = false;
    for (int i = 0; i < 2 && !done; i++) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) done = true;
      for (ssize_t off = 0; !done && off < n;) {
        ssize_t w = write(fds[1 - i].fd, buf + off, (size_t)(n - off));
        if (w <= 0) done = true;
        else off += w;
      }
    }
    if (done) break;
  }
  close(r.a);
  close(r.b);
  return NULL;
}

static void *acceptor_main(void *arg) {
  sq_kafka_broker_t *b = arg;
  for (;;) {
    int client = accept(b->listen_fd, NULL, NULL);
    if (client < 0) {
      if (errno == EINTR) continue;
      break; /* the listening socket was shut down */
    }
    int up = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    relay_t *r = malloc(sizeof *r);
    pthread_t t;
    if (up < 0 || !r || connect(up, (struct sockaddr *)&b->upstream, sizeof b->upstream) != 0) {
      close(client);
      if (up >= 0) close(up);
      free(r);
      continue;
    }
    *r = (relay_t){client, up};
    if (pthread_create(&t, NULL, relay_main, r) != 0) {
      close(client);
      close(up);
      free(r);
      continue;
    }
    pthread_detach(t);
  }
  return NULL;
}

/* Listens on 127.0.0.1:port and relays to the first broker of the cluster. */
static bool start_forwarder(sq_kafka_broker_t *b, int port, char *err, size_t err_size) {
  const char *first = rd_kafka_mock_cluster_bootstraps(b->cluster);
  const char *colon = strrchr(first, ':');
  b->upstream = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(colon + 1))};
  inet_pton(AF_INET, "127.0.0.1", &b->upstream.sin_addr);
  b->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(b->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (b->listen_fd < 0 || bind(b->listen_fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(b->listen_fd, 64) != 0) {
    snprintf(err, err_size, "cannot listen on 127.0.0.1:%d: %s", port, strerror(errno));
    return false;
  }
  if (pthread_create(&b->acceptor, NULL, acceptor_main, b) != 0) {
    snprintf(err, err_size, "cannot start the bootstrap forwarder");
    return false;
  }
  b->forwarding = true;
  snprintf(b->bootstrap, sizeof b->bootstrap, "127.0.0.1:%d", port);
  return true;
}

sq_kafka_broker_t *sq_kafka_broker_start(int brokers, int port, char *err, size_t err_size) {
  sq_kafka_broker_t *b = calloc(1, sizeof *b);
  if (!b) return snprintf(err, err_size, "out of memory"), NULL;
  b->listen_fd = -1;
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "3", NULL, 0); /* the mock's own chatter is not ours to print */
  char rd_err[256];
  if (!(b->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, rd_err, sizeof rd_err))) {
    rd_kafka_conf_destroy(conf);
    snprintf(err, err_size, "cannot start the embedded broker: %s", rd_err);
    free(b);
    return NULL;
  }
  if (!(b->cluster = rd_kafka_mock_cluster_new(b->rk, brokers))) {
    snprintf(err, err_size, "cannot start the embedded broker");
    sq_kafka_broker_stop(b);
    return NULL;
  }
  snprintf(b->bootstrap, sizeof b->bootstrap, "%s", rd_kafka_mock_cluster_bootstraps(b->cluster));
  if (port > 0 && !start_forwarder(b, port, err, err_size)) {
    sq_kafka_broker_stop(b);
    return NULL;
  }
  return b;
}

void sq_kafka_broker_stop(sq_kafka_broker_t *b) {
  if (!b) return;
  if (b->listen_fd >= 0) {
    shutdown(b->listen_fd, SHUT_RDWR);
    if (b->forwarding) pthread_join(b->acceptor, NULL);
    close(b->listen_fd);
  }
  if (b->cluster) rd_kafka_mock_cluster_destroy(b->cluster);
  if (b->rk) rd_kafka_destroy(b->rk);
  free(b);
}

const char *sq_kafka_broker_bootstrap(const sq_kafka_broker_t *b) { return b->bootstrap; }

bool sq_kafka_broker_create_topic(sq_kafka_broker_t *b, const char *topic, int partitions, char *err, size_t err_size) {
  rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(b->cluster, topic, partitions, 1);
  if (e == RD_KAFKA_RESP_ERR_NO_ERROR || e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) return true;
  snprintf(err, err_size, "cannot create topic '%s': %s", topic, rd_kafka_err2str(e));
  return false;
}

bool sq_kafka_broker_set_down(sq_kafka_broker_t *b, int id, bool down) {
  return (down ? rd_kafka_mock_broker_set_down : rd_kafka_mock_broker_set_up)(b->cluster, id) == RD_KAFKA_RESP_ERR_NO_ERROR;
}

void sq_kafka_broker_fail_requests(sq_kafka_broker_t *b, int16_t api_key, int error, int count) {
  rd_kafka_resp_err_t errors[64];
  if (count > 64) count = 64;
  for (int i = 0; i < count; i++) errors[i] = (rd_kafka_resp_err_t)error;
  rd_kafka_mock_push_request_errors_array(b->cluster, api_key, (size_t)count, errors);
}

void sq_kafka_broker_delay_requests(sq_kafka_broker_t *b, int id, int16_t api_key, int ms, int count) {
  for (int i = 0; i < count; i++)
    rd_kafka_mock_broker_push_request_error_rtts(b->cluster, id, api_key, 1, RD_KAFKA_RESP_ERR_NO_ERROR, ms);
}
