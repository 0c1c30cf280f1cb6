/* Nexmark schemas as in the Nexmark benchmark (Apache Beam / Flink
 * editions): prices and bids are integers (cents), times are TIMESTAMPs. */
#include "engine/datagen_schema.h"

#include <string.h>

static const sq_datagen_column_t bid[] = {
    {"auction", SQ_TYPE_BIGINT}, {"bidder", SQ_TYPE_BIGINT}, {"price", SQ_TYPE_BIGINT},
    {"channel", SQ_TYPE_STRING}, {"url", SQ_TYPE_STRING}, {"date_time", SQ_TYPE_TIMESTAMP},
    {"extra", SQ_TYPE_STRING},
};
static const sq_datagen_column_t auction[] = {
    {"id", SQ_TYPE_BIGINT}, {"item_name", SQ_TYPE_STRING}, {"description", SQ_TYPE_STRING},
    {"initial_bid", SQ_TYPE_BIGINT}, {"reserve", SQ_TYPE_BIGINT}, {"date_time", SQ_TYPE_TIMESTAMP},
    {"expires", SQ_TYPE_TIMESTAMP}, {"seller", SQ_TYPE_BIGINT}, {"category", SQ_TYPE_BIGINT},
    {"extra", SQ_TYPE_STRING},
};
static const sq_datagen_column_t person[] = {
    {"id", SQ_TYPE_BIGINT}, {"name", SQ_TYPE_STRING}, {"email_address", SQ_TYPE_STRING},
    {"credit_card", SQ_TYPE_STRING}, {"city", SQ_TYPE_STRING}, {"state", SQ_TYPE_STRING},
    {"date_time", SQ_TYPE_TIMESTAMP}, {"extra", SQ_TYPE_STRING},
};
static const sq_datagen_column_t sequence[] = {{"seq", SQ_TYPE_BIGINT}, {"ts", SQ_TYPE_TIMESTAMP}};

#define KIND(name, cols) {name, cols, sizeof cols / sizeof *cols}
const sq_datagen_kind_t sq_datagen_kinds[] = {
    KIND("nexmark_bid", bid), KIND("nexmark_auction", auction),
    KIND("nexmark_person", person), KIND("sequence", sequence),
};
const size_t sq_datagen_n_kinds = sizeof sq_datagen_kinds / sizeof *sq_datagen_kinds;

const sq_datagen_kind_t *sq_datagen_kind(const char *name) {
  for (size_t i = 0; i < sq_datagen_n_kinds; i++)
    if (strcmp(sq_datagen_kinds[i].name, name) == 0) return &sq_datagen_kinds[i];
  return NULL;
}
