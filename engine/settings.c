/* The settings table and the reading of a setting's value. */
#include "engine/settings.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/duration.h"

static const sq_setting_spec_t table[] = {
    {"checkpoint.interval", SQ_SETTING_DURATION, 10000, 0, 1e18,
     "invalid duration for 'checkpoint.interval'; write it like '10 seconds'", NULL},
    {"checkpoint.warn_share", SQ_SETTING_NUMBER, 0.5, 0, 1,
     "'checkpoint.warn_share' must be a number above 0 and at most 1 (the share of the interval)", NULL},
    {"state.cache.bytes", SQ_SETTING_NUMBER, 256u << 20, 0, 1e18, "'state.cache.bytes' must be a positive number of bytes", NULL},
    {"http.buffer.bytes", SQ_SETTING_NUMBER, 64u << 20, 0, 1e18,
     "'http.buffer.bytes' must be a positive number of bytes (rows waiting for HTTP endpoints, per sink)", NULL},
    {"partition.skew.warn_ratio", SQ_SETTING_NUMBER, 4, 1, 1e18,
     "'partition.skew.warn_ratio' must be a number above 1 (the multiple of the mean rate)", NULL},
    {"scale.changelog", SQ_SETTING_CHOICE, 0, -1, 1,
     "'scale.changelog' is 'on' or 'off' (whether tasks' state goes to a changelog topic)", "on|off"},
    {"scale.repartition", SQ_SETTING_CHOICE, 1, -1, 1,
     "'scale.repartition' is 'on' or 'off' (whether GROUP BY queries over sources without partitioned_by go through "
     "repartition topics, so the pipeline runs on many processes)", "on|off"},
    {"scale.preaggregate", SQ_SETTING_CHOICE, 0, -1, 1,
     "'scale.preaggregate' is 'on' or 'off' (whether stage 1 of a repartitioned window aggregation folds hot keys "
     "into partial aggregates)", "on|off"},
    {"scale.partitions", SQ_SETTING_NUMBER, 0, -1, 100000,
     "'scale.partitions' must be a whole number of partitions from 1 to 100000 (0: the source's own)", NULL},
    {"watermark.interval", SQ_SETTING_DURATION, 200, 0, 1e18,
     "invalid duration for 'watermark.interval'; write it like '200 ms'", NULL},
    /* ad-hoc statements (streamq query, streamq repl) */
    {"output.format", SQ_SETTING_CHOICE, 0, -1, 2, "'output.format' is 'table', 'json' or 'csv'", "table|json|csv"},
    {"start", SQ_SETTING_CHOICE, 1, -1, 1, "'start' is 'earliest' or 'latest' (where a live query starts reading)",
     "earliest|latest"},
};

const sq_setting_spec_t *sq_settings(size_t *n) {
  *n = sizeof table / sizeof *table;
  return table;
}

const sq_setting_spec_t *sq_setting_find(const char *name) {
  for (size_t i = 0; i < sizeof table / sizeof *table; i++)
    if (strcmp(table[i].name, name) == 0) return &table[i];
  return NULL;
}

/* The index of `text` among the '|'-separated `choices` (any case), or -1. */
static int choice_index(const char *choices, const char *text) {
  size_t len = strlen(text);
  for (int i = 0; *choices; i++) {
    const char *end = strchr(choices, '|');
    size_t n = end ? (size_t)(end - choices) : strlen(choices);
    if (n == len && strncasecmp(choices, text, n) == 0) return i;
    choices += n + (end != NULL);
  }
  return -1;
}

bool sq_setting_parse(const sq_setting_spec_t *spec, const char *text, double *out) {
  if (spec->kind == SQ_SETTING_CHOICE) {
    *out = choice_index(spec->choices, text);
  } else if (spec->kind == SQ_SETTING_DURATION) {
    int64_t ms;
    if (!sq_duration_parse(text, &ms)) return false;
    *out = (double)ms;
  } else {
    char *end;
    *out = strtod(text, &end);
    if (end == text || *end) return false;
  }
  return *out > spec->above && *out <= spec->at_most;
}
