/* The http connector's entry in the registry. Its options are checked;
 * its sink is not built yet, so `run` refuses a pipeline that uses it. */
#include "runtime/connectors/http/http.h"

static const sq_option_spec_t sink_options[] = {
    {"url", SQ_OPTION_URL, NULL, true, NULL},
    {"batch_size", SQ_OPTION_POSITIVE, NULL, false, "500"},
    {"batch_ms", SQ_OPTION_COUNT, NULL, false, "100"},
    {"timeout", SQ_OPTION_DURATION, NULL, false, "10 s"},
    {"max_retries", SQ_OPTION_COUNT, NULL, false, NULL},
    {"headers", SQ_OPTION_STRING, NULL, false, NULL},
    SQ_OPTIONS_END};

const sq_connector_t sq_connector_http = {
    .spec = {.name = "http",
             .roles = SQ_ROLE_SINK,
             .sink_options = (const sq_option_spec_t *const[]){sink_options, sq_options_bad_records, NULL},
             .dlq_option = "dlq_path"},
};
