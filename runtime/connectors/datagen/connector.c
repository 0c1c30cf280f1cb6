/* The datagen connector's entry in the registry: its options and opener. */
#include "runtime/connectors/datagen/datagen.h"

static const sq_option_spec_t source_options[] = {
    {"kind", SQ_OPTION_ENUM, SQ_OPTION_VALUES("nexmark_bid", "nexmark_auction", "nexmark_person", "sequence"), true, NULL},
    {"rate", SQ_OPTION_COUNT, NULL, false, "0"},
    {"count", SQ_OPTION_COUNT, NULL, false, "0"},
    {"seed", SQ_OPTION_COUNT, NULL, false, "0"},
    SQ_OPTIONS_END};

const sq_connector_t sq_connector_datagen = {
    .spec = {.name = "datagen",
             .roles = SQ_ROLE_SOURCE | SQ_ROLE_TABLE,
             .source_options = (const sq_option_spec_t *const[]){source_options, sq_options_event_time, sq_options_bad_records, NULL},
             .dlq_option = "dlq_path"},
    .open_reader = sq_datagen_reader_open,
};
