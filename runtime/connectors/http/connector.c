/* The http connector's entry in the registry: the webhook sink's options
 * (LANGUAGE.md §4) with their defaults, and how to open it (sink.c). */
#include "runtime/connectors/http/http.h"

static const sq_option_spec_t sink_options[] = {
    {"url", SQ_OPTION_URL, NULL, true, NULL},
    {"format", SQ_OPTION_ENUM, SQ_OPTION_VALUES("json", "ndjson", "object"), false, "json"},
    {"batch_size", SQ_OPTION_POSITIVE, NULL, false, "500"},
    {"batch_bytes", SQ_OPTION_POSITIVE, NULL, false, "1048576"},
    {"batch_ms", SQ_OPTION_COUNT, NULL, false, "100"},
    {"timeout", SQ_OPTION_DURATION, NULL, false, "10 s"},
    {"max_in_flight", SQ_OPTION_POSITIVE, NULL, false, "4"},
    {"max_retry_time", SQ_OPTION_DURATION, NULL, false, "0 s"},
    {"headers", SQ_OPTION_STRING, NULL, false, NULL},
    {"signing_secret", SQ_OPTION_STRING, NULL, false, NULL},
    {"compression", SQ_OPTION_ENUM, SQ_OPTION_VALUES("none", "gzip"), false, "none"},
    {"tls_verify", SQ_OPTION_BOOL, NULL, false, "true"},
    {"ca_file", SQ_OPTION_STRING, NULL, false, NULL},
    {"on_error", SQ_OPTION_ENUM, SQ_OPTION_VALUES("fail", "skip", "dlq"), false, "fail"},
    {"dlq_path", SQ_OPTION_STRING, NULL, false, NULL},
    SQ_OPTIONS_END};

const sq_connector_t sq_connector_http = {
    .spec = {.name = "http",
             .roles = SQ_ROLE_SINK,
             .sink_options = (const sq_option_spec_t *const[]){sink_options, NULL},
             .dlq_option = "dlq_path"},
    .open_sink = sq_http_sink_open,
};
