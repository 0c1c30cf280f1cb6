/* The Nexmark event model: one global event sequence in which every 50
 * events are 1 person, 3 auctions and 46 bids. Persons open auctions,
 * bids go to auctions and come from persons that already exist (half of
 * them to the few newest, "hot" ones). Event time advances a fixed step per
 * event from 2026-01-01T00:00:00Z. Every event is a pure function of
 * (seed, event number), so the bid, auction and person sources of one seed
 * agree with each other, and a seed always gives the same data. */
#ifndef SQ_NEXMARK_H
#define SQ_NEXMARK_H

#include <stdint.h>

#include "engine/arena.h"
#include "engine/value.h"

#define SQ_NEXMARK_BASE_MS INT64_C(1767225600000)
#define SQ_NEXMARK_EVENT_MS 10

typedef enum sq_nexmark_kind { SQ_NEXMARK_PERSON, SQ_NEXMARK_AUCTION, SQ_NEXMARK_BID } sq_nexmark_kind_t;

/* The event number of the i-th (0-based) event of a kind. */
uint64_t sq_nexmark_event_number(sq_nexmark_kind_t kind, uint64_t i);
/* Fills the kind's columns (engine/datagen_schema.c order) for event n;
 * strings are allocated in `arena`. */
void sq_nexmark_fill(sq_nexmark_kind_t kind, uint64_t n, uint64_t seed, sq_value_t *row, sq_arena_t *arena);

#endif
