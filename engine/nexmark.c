/* Nexmark generation after the Apache Beam generator's proportions and
 * id scheme (first person and auction id 1000, first category 10),
 * simplified where its details do not matter to queries. */
#include "engine/nexmark.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define FIRST_ID 1000
#define PROPORTION 50 /* per 50 events: 1 person, 3 auctions, 46 bids */
#define HOT 5         /* the newest few persons and auctions are hot */
#define RECENT 1000   /* the others come from this many recent ones */

static uint64_t splitmix(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static double uniform(uint64_t *s) { return (double)(splitmix(s) >> 11) / 9007199254740992.0; }

uint64_t sq_nexmark_event_number(sq_nexmark_kind_t kind, uint64_t i) {
  switch (kind) {
  case SQ_NEXMARK_PERSON: return i * PROPORTION;
  case SQ_NEXMARK_AUCTION: return i / 3 * PROPORTION + 1 + i % 3;
  default: return i / 46 * PROPORTION + 4 + i % 46;
  }
}

/* How many persons / auctions exist up to and including event n. */
static uint64_t persons_upto(uint64_t n) { return n / PROPORTION + 1; }
static uint64_t auctions_upto(uint64_t n) {
  uint64_t o = n % PROPORTION;
  return n / PROPORTION * 3 + (o < 3 ? o : 3);
}

/* An id among `count` existing ones: half the time one of the newest. */
static int64_t pick(uint64_t count, uint64_t *rng) {
  if (count == 0) return FIRST_ID;
  uint64_t span = splitmix(rng) & 1 ? (count < HOT ? count : HOT) : (count < RECENT ? count : RECENT);
  return FIRST_ID + (int64_t)(count - 1 - splitmix(rng) % span);
}

static int64_t price(uint64_t *rng) { return (int64_t)llround(100.0 * pow(10.0, uniform(rng) * 4.0)); }

static sq_value_t text(sq_arena_t *arena, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static sq_value_t text(sq_arena_t *arena, const char *fmt, ...) {
  char buf[160];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n < 0) n = 0;
  if ((size_t)n >= sizeof buf) n = sizeof buf - 1;
  char *p = sq_arena_alloc(arena, (size_t)n + 1);
  if (!p) return sq_null();
  memcpy(p, buf, (size_t)n + 1);
  return sq_str(p, (uint32_t)n);
}

static const char *const channels[] = {"Google", "Facebook", "Baidu", "Apple"};
static const char *const first_names[] = {"Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie", "Sarah", "Deiter", "Walter"};
static const char *const last_names[] = {"Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris"};
static const char *const cities[] = {"Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland", "Bend", "Redmond", "Seattle", "Kent", "Cheyenne"};
static const char *const states[] = {"AZ", "CA", "ID", "OR", "WA", "WY"};
#define PICK(list, rng) list[splitmix(rng) % (sizeof list / sizeof *list)]

void sq_nexmark_fill(sq_nexmark_kind_t kind, uint64_t n, uint64_t seed, sq_value_t *row, sq_arena_t *arena) {
  uint64_t rng = seed * 0x2545f4914f6cdd1dull ^ n;
  int64_t time = SQ_NEXMARK_BASE_MS + (int64_t)n * SQ_NEXMARK_EVENT_MS;
  switch (kind) {
  case SQ_NEXMARK_BID: {
    const char *channel = PICK(channels, &rng);
    row[0] = sq_int(pick(auctions_upto(n), &rng));
    row[1] = sq_int(pick(persons_upto(n), &rng));
    row[2] = sq_int(price(&rng));
    row[3] = sq_str(channel, (uint32_t)strlen(channel));
    row[4] = text(arena, "https://www.nexmark.com/%s/item.htm?query=1&id=%llu", channel, (unsigned long long)(n % 997));
    row[5] = sq_ts(time);
    row[6] = sq_str("", 0);
    break;
  }
  case SQ_NEXMARK_AUCTION: {
    int64_t id = FIRST_ID + (int64_t)auctions_upto(n) - 1, initial = price(&rng);
    row[0] = sq_int(id);
    row[1] = text(arena, "item-%lld", (long long)id);
    row[2] = text(arena, "description of item %lld", (long long)id);
    row[3] = sq_int(initial);
    row[4] = sq_int(initial * (int64_t)(1 + splitmix(&rng) % 5));
    row[5] = sq_ts(time);
    row[6] = sq_ts(time + (int64_t)(1 + splitmix(&rng) % 20) * 1000);
    row[7] = sq_int(pick(persons_upto(n), &rng));
    row[8] = sq_int(10 + (int64_t)(splitmix(&rng) % 5));
    row[9] = sq_str("", 0);
    break;
  }
  case SQ_NEXMARK_PERSON: {
    const char *first = PICK(first_names, &rng), *last = PICK(last_names, &rng);
    const char *city = PICK(cities, &rng), *state = PICK(states, &rng);
    int64_t id = FIRST_ID + (int64_t)persons_upto(n) - 1;
    row[0] = sq_int(id);
    row[1] = text(arena, "%s %s", first, last);
    row[2] = text(arena, "%s.%s%lld@example.com", first, last, (long long)id);
    row[3] = text(arena, "%04llu %04llu %04llu %04llu", (unsigned long long)(splitmix(&rng) % 10000),
                  (unsigned long long)(splitmix(&rng) % 10000), (unsigned long long)(splitmix(&rng) % 10000),
                  (unsigned long long)(splitmix(&rng) % 10000));
    row[4] = sq_str(city, (uint32_t)strlen(city));
    row[5] = sq_str(state, (uint32_t)strlen(state));
    row[6] = sq_ts(time);
    row[7] = sq_str("", 0);
    break;
  }
  }
}
