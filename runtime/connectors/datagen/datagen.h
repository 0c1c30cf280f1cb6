/* The datagen connector: generated sources (the Nexmark bid, auction and
 * person streams, or a plain sequence), at a rate or as fast as possible,
 * finite with `count`. */
#ifndef SQ_DATAGEN_CONNECTOR_H
#define SQ_DATAGEN_CONNECTOR_H

#include "runtime/kit/connector.h"

extern const sq_connector_t sq_connector_datagen;

sq_reader_t *sq_datagen_reader_open(const sq_relation_t *rel, const bool *read, const struct sq_runtime *rt, char *err, size_t err_size);

#endif
