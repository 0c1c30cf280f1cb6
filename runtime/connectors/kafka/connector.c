/* The kafka connector's entry in the registry: its options and openers. */
#include "runtime/connectors/kafka/kafka.h"

static const sq_option_spec_t source_options[] = {
    {"topic", SQ_OPTION_STRING, NULL, true, NULL},
    {"format", SQ_OPTION_ENUM, SQ_OPTION_VALUES("json", "csv"), false, "json"},
    {"start", SQ_OPTION_ENUM, SQ_OPTION_VALUES("earliest", "latest"), false, "earliest"},
    {"group_id", SQ_OPTION_STRING, NULL, false, NULL},
    {"partitioned_by", SQ_OPTION_COLUMNS, NULL, false, NULL},
    /* a stage-2 source (runtime/app/repartition.c): watermarks from marks, rows deduplicated by origin */
    {"repartitioned", SQ_OPTION_ENUM, SQ_OPTION_VALUES("on", "off"), false, "off"},
    SQ_OPTIONS_END};
static const sq_option_spec_t sink_options[] = {
    {"topic", SQ_OPTION_STRING, NULL, true, NULL},
    {"format", SQ_OPTION_ENUM, SQ_OPTION_VALUES("json", "csv"), false, "json"},
    {"key", SQ_OPTION_STRING, NULL, false, NULL},
    {"delivery", SQ_OPTION_ENUM, SQ_OPTION_VALUES("at_least_once", "exactly_once"), false, "at_least_once"},
    /* a stage-1 sink (runtime/app/repartition.c): the topic it repartitions, and its partition count (default: that topic's) */
    {"repartition_of", SQ_OPTION_STRING, NULL, false, NULL},
    {"repartition_partitions", SQ_OPTION_POSITIVE, NULL, false, NULL},
    /* without it, the most partitions among these topics (the inputs it is cut for) */
    {"repartition_inputs", SQ_OPTION_STRING, NULL, false, NULL},
    /* and the stage-2 source whose query it pre-aggregates hot keys for (engine/preaggregate.h) */
    {"preaggregate", SQ_OPTION_STRING, NULL, false, NULL},
    SQ_OPTIONS_END};

const sq_connector_t sq_connector_kafka = {
    .spec = {.name = "kafka",
             .roles = SQ_ROLE_SOURCE | SQ_ROLE_TABLE | SQ_ROLE_SINK,
             .source_options = (const sq_option_spec_t *const[]){source_options, sq_options_event_time, sq_options_bad_records, NULL},
             .sink_options = (const sq_option_spec_t *const[]){sink_options, sq_options_bad_records, NULL},
             .dlq_option = "dlq_topic"},
    .open_reader = sq_kafka_reader_open,
    .open_sink = sq_kafka_sink_open,
};
