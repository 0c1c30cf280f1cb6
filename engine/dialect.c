/* The tables of other dialects' names (see dialect.h). An option entry
 * whose streamq name the connector at hand does not take is not used
 * (connector_options.c decides), so one table serves every connector. */
#include "engine/dialect.h"

#include <stddef.h>
#include <strings.h>

#define NO_KEY_FORMAT "streamq has no key format: a record's key is the STRING column _key, and a Kafka sink's key is set with key = 'column'"
#define NO_TOPIC_CREATION "streamq does not create topics; create it with Kafka's tools"
#define COMMAS_ONLY "streamq's CSV fields are separated by commas"

static const sq_dialect_name_t options[] = {
    /* ksqlDB */
    {"kafka_topic", "topic", NULL},
    {"value_format", "format", NULL},
    {"key_format", NULL, NO_KEY_FORMAT},
    {"partitions", NULL, NO_TOPIC_CREATION},
    {"replicas", NULL, NO_TOPIC_CREATION},
    {"value_delimiter", NULL, COMMAS_ONLY},
    /* Flink SQL */
    {"properties.bootstrap.servers", NULL,
     "streamq takes the brokers once per pipeline: SET 'kafka.bootstrap.servers' = '...' (or --brokers)"},
    {"properties.group.id", "group_id", NULL},
    {"scan.startup.mode", "start", "streamq calls it 'start' (= 'earliest' or 'latest')"},
    {"scan.watermark.idle-timeout", "idle_timeout", NULL},
    {"value.format", "format", NULL},
    {"key.format", NULL, NO_KEY_FORMAT},
    {"key.fields", "key", NULL},
    {"sink.delivery-guarantee", "delivery", "streamq calls it 'delivery' (= 'at_least_once' or 'exactly_once')"},
    {"json.ignore-parse-errors", "on_error", "streamq's way is on_error = 'skip'"},
    {"csv.field-delimiter", NULL, COMMAS_ONLY},
    {"rows-per-second", "rate", NULL},
    {"number-of-rows", "count", NULL},
};

static const sq_dialect_name_t connectors[] = {
    {"filesystem", "file", NULL},
    {"print", "stdout", NULL},
    {"upsert-kafka", "kafka",
     "use connector = 'kafka' (a CREATE TABLE with a PRIMARY KEY column reads a topic as upserts)"},
};

static const sq_dialect_name_t columns[] = {
    {"windowstart", "WINDOW_START", NULL},
    {"windowend", "WINDOW_END", NULL},
    {"rowkey", "_key", NULL},
    {"rowpartition", "_partition", NULL},
    {"rowoffset", "_offset", NULL},
};

static const sq_dialect_name_t *find(const sq_dialect_name_t *table, size_t n, const char *name) {
  for (size_t i = 0; i < n; i++)
    if (strcasecmp(table[i].name, name) == 0) return &table[i];
  return NULL;
}

const sq_dialect_name_t *sq_dialect_option(const char *name) {
  return find(options, sizeof options / sizeof *options, name);
}

const sq_dialect_name_t *sq_dialect_connector(const char *name) {
  return find(connectors, sizeof connectors / sizeof *connectors, name);
}

const sq_dialect_name_t *sq_dialect_column(const char *name) {
  return find(columns, sizeof columns / sizeof *columns, name);
}
