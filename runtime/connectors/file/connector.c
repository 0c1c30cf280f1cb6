/* The file connector's entry in the registry: its options and openers. */
#include "runtime/connectors/file/file.h"

static const sq_option_spec_t source_options[] = {
    {"path", SQ_OPTION_STRING, NULL, true, NULL},
    {"format", SQ_OPTION_ENUM, SQ_OPTION_VALUES("json", "csv"), false, "json"},
    {"follow", SQ_OPTION_BOOL, NULL, false, "false"},
    SQ_OPTIONS_END};
static const sq_option_spec_t sink_options[] = {
    {"path", SQ_OPTION_STRING, NULL, true, NULL},
    {"format", SQ_OPTION_ENUM, SQ_OPTION_VALUES("json", "csv"), false, "json"},
    SQ_OPTIONS_END};

const sq_connector_t sq_connector_file = {
    .spec = {.name = "file",
             .roles = SQ_ROLE_SOURCE | SQ_ROLE_TABLE | SQ_ROLE_SINK,
             .source_options = (const sq_option_spec_t *const[]){source_options, sq_options_event_time, sq_options_bad_records, NULL},
             .sink_options = (const sq_option_spec_t *const[]){sink_options, NULL},
             .dlq_option = "dlq_path"},
    .open_reader = sq_file_reader_open,
    .open_sink = sq_file_sink_open,
};
