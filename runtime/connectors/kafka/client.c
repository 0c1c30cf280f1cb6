/* Kafka client configuration from a pipeline's settings. */
#include "runtime/connectors/kafka/client.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/kit/env_subst.h"
#include "runtime/kit/log.h"

bool sq_kafka_settings_load(sq_kafka_settings_t *k, const sq_program_t *prog, const char *brokers, char *err, size_t err_size) {
  *k = (sq_kafka_settings_t){0};
  for (size_t i = 0; i < prog->n_settings; i++) {
    const sq_ast_t *set = prog->settings[i];
    const char *key = set->name.text;
    if (strncmp(key, "kafka.", 6) != 0) continue;
    char what[300];
    snprintf(what, sizeof what, "setting '%s'", key);
    char *value = sq_env_substitute(what, set->text, err, err_size);
    if (!value) return sq_kafka_settings_free(k), false;
    if (strcmp(key + 6, "bootstrap.servers") == 0) {
      free(k->bootstrap);
      k->bootstrap = value;
      continue;
    }
    sq_kafka_property_t *v = realloc(k->props, (k->n_props + 1) * sizeof *v);
    char *name = strdup(key + 6);
    if (!v || !name) {
      free(v ? NULL : value);
      free(name);
      if (v) k->props = v;
      snprintf(err, err_size, "out of memory");
      return sq_kafka_settings_free(k), false;
    }
    k->props = v;
    k->props[k->n_props++] = (sq_kafka_property_t){name, value};
  }
  const char *fallback = brokers ? brokers : k->bootstrap ? NULL : getenv("STREAMQ_BROKERS");
  if (fallback) {
    free(k->bootstrap);
    if (!(k->bootstrap = strdup(fallback))) return snprintf(err, err_size, "out of memory"), sq_kafka_settings_free(k), false;
  }
  return true;
}

void sq_kafka_settings_free(sq_kafka_settings_t *k) {
  for (size_t i = 0; i < k->n_props; i++) {
    free(k->props[i].key);
    free(k->props[i].value);
  }
  free(k->props);
  free(k->bootstrap);
  *k = (sq_kafka_settings_t){0};
}

static _Atomic int broker_up = -1;

int sq_kafka_broker_up(void) { return atomic_load(&broker_up); }

void sq_kafka_broker_reached(bool up, const char *why) {
  int was = atomic_exchange(&broker_up, up);
  if (up && was == 0) sq_log("broker up", "Kafka brokers reachable again");
  if (!up && was != 0) sq_log("broker down", "%s", why);
}

/* librdkafka logs every error a client has no callback for; what they
 * mean for the pipeline shows as broker liveness (kafka_liveness.c) and
 * as failed deliveries, so they are not logged again here. */
static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque) { (void)rk, (void)err, (void)reason, (void)opaque; }

/* librdkafka's log lines, in ours ("streamq: kafka: ..."). */
/* librdkafka's log, without two configuration warnings that say nothing
 * to a user: every SET 'kafka.<property>' goes to every client, so a
 * consumer property is "ignored by this producer instance" and the other
 * way round; and the changelog's producer relies knowingly on the
 * gapless guarantee that librdkafka calls experimental (changelog.h). */
static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf) {
  (void)rk, (void)level;
  bool noise = strcmp(fac, "CONFWARN") == 0 && (strstr(buf, "will be ignored by this") || strstr(buf, "enable.gapless.guarantee"));
  if (!noise) sq_log("kafka", "%s: %s", fac, buf);
}

rd_kafka_conf_t *sq_kafka_conf(const sq_kafka_settings_t *k, const char *const *extra, char *err, size_t err_size) {
  if (!k->bootstrap) {
    snprintf(err, err_size, "no Kafka brokers: use --brokers, SET 'kafka.bootstrap.servers', STREAMQ_BROKERS or --embedded-broker");
    return NULL;
  }
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_conf_set_log_cb(conf, on_log);
  rd_kafka_conf_set_error_cb(conf, on_error);
  int unknown = -1;
  atomic_compare_exchange_strong(&broker_up, &unknown, 1); /* a client exists: assume reachable until told otherwise */
  char rd_err[256];
  if (rd_kafka_conf_set(conf, "bootstrap.servers", k->bootstrap, rd_err, sizeof rd_err) != RD_KAFKA_CONF_OK) goto bad;
  for (size_t i = 0; extra && extra[i]; i += 2)
    if (rd_kafka_conf_set(conf, extra[i], extra[i + 1], rd_err, sizeof rd_err) != RD_KAFKA_CONF_OK) goto bad;
  for (size_t i = 0; i < k->n_props; i++)
    if (rd_kafka_conf_set(conf, k->props[i].key, k->props[i].value, rd_err, sizeof rd_err) != RD_KAFKA_CONF_OK) goto bad;
  return conf;
bad:
  /* librdkafka's message names the property, never the value */
  snprintf(err, err_size, "Kafka setting: %s", rd_err);
  rd_kafka_conf_destroy(conf);
  return NULL;
}
