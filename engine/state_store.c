/* The state store: an open-addressing hash table over full keys
 * (<op><partition><key>), each entry one allocation holding its key and
 * value, optionally over a storage (LevelDB at run time) holding the
 * last checkpoint.
 *
 * Generations. Changes are grouped by generation: s->gen is the one
 * operators are changing now; an entry changed in it is dirty (listed in
 * s->dirty). A checkpoint hands the dirty list over as a snapshot of
 * generation s->gen (O(1): no entry is touched) and starts the next
 * generation. Until the snapshot is written the entries of its generation
 * are "in flight": immutable. An operator that changes one (get, remove)
 * gets a copy in its place (copy-on-write, the value copied through its
 * codec) and the original moves to the graveyard, freed once the snapshot
 * is written; remove_range moves in-flight entries there too. Only clean
 * entries (of neither generation) are evicted (CLOCK: a get sets the
 * reference bit, the sweeping hand clears it or evicts), so the database
 * never holds anything newer than a checkpoint, and a crash at any moment
 * leaves exactly the last written checkpoint on disk. While nothing has
 * ever been evicted and the database held no state when opened, the table
 * holds everything and a miss needs no disk read ("complete").
 *
 * Threads. Everything here runs on the engine thread except
 * sq_state_snapshot_write (the checkpoint writer thread), which reads only
 * the snapshot object (with its copy of the namespaces' value types), the
 * in-flight entries' key and value bytes and DELETED bit (never written
 * while in flight: the engine writes only their prev/next links, which
 * the writer never reads), the storage
 * (LevelDB is thread-safe) and its own buffers. The snapshot's results are
 * read by the engine after it joined the writer (sq_state_snapshot_finish).
 *
 * Recycling. An entry is freed only where nothing can read it any more
 * (not in flight, not in the graveyard until its snapshot is finished);
 * there it goes to the recycler (engine/recycler.h) instead, and the next
 * new entry of its size takes it.
 *
 * Keys and memory bytes per namespace are kept as entries come and go, so
 * usage() costs nothing; key counts are saved with each checkpoint. Each
 * namespace also lists its entries in memory, so removing or collecting a
 * key range (a closing window) visits one operator's entries, not the
 * whole table.
 *
 * The snapshot code (below "checkpoints") stays in this file although it
 * makes it long: taking, writing and finishing a snapshot work on the
 * table's entries, generations, graveyard and removed ranges directly,
 * and splitting it off would publish all of those in a header. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "engine/recycler.h"
#include "engine/state.h"


enum { DELETED = 2, ON_DISK = 4, REFERENCED = 8 };

/* 48 bytes: a window over millions of groups keeps as many of these in
 * the cache, and the header is most of a small group's entry. Its value
 * type is its namespace's (ns_usage_t), its value offset follows from
 * the key length. */
typedef struct entry {
  struct entry *prev, *next; /* its namespace's entries */
  uint64_t gen;       /* the generation that last changed it; 0: unchanged since read from disk */
  uint64_t disk_gen;  /* while dirty, with ON_DISK: the snapshot that put the key on disk (0: there at start) */
  uint32_t hash;      /* the key's hash, its low bits: a table has fewer than 2^32 slots */
  uint32_t dirty_at;  /* while dirty: its index in s->dirty */
  uint32_t usage;     /* its namespace's record in s->usage */
  uint16_t key_len;   /* full key, namespace included (at most NS_LEN + MAX_KEY) */
  uint8_t flags;      /* ON_DISK: while dirty, whether the key is on disk as of the previous generation */
  /* key bytes, then the value (aligned to 8) */
} entry_t;
_Static_assert(sizeof(entry_t) == 48, "an entry header grew");

/* A key range removed whole (a closed window): its keys count as absent
 * at once; the checkpoint after the removal records it, and then the
 * writer thread deletes its keys from disk a batch at a time. */
typedef struct removed_range {
  char *prefix; /* full key prefix; not moved or freed while a snapshot refers to it */
  uint32_t len;
  bool durable; /* a checkpoint has recorded it */
} removed_range_t;

typedef struct ns_usage {
  uint32_t op, partition;
  size_t keys, bytes;
  struct entry *entries; /* in memory: a window's close visits these, not the whole table */
  const sq_state_type_t *type; /* of its values (one operator's): set by every insert, NULL before the first */
} ns_usage_t;

struct sq_state {
  entry_t **slots; /* NULL empty, TOMBSTONE removed */
  size_t cap, used, live;
  size_t bytes, dirty_bytes, flight_bytes, limit;
  size_t hand;
  uint64_t gen;         /* the generation being changed; those after written_gen and before it are in flight */
  uint64_t written_gen; /* the last generation a successful snapshot wrote */
  bool in_flight;       /* a snapshot is out, being written */
  struct sq_state_snapshot *failed; /* a snapshot whose write failed: the next one writes its entries too */
  bool complete, sweep_exhausted;
  sq_storage_t *db;
  ns_usage_t *usage;
  size_t n_usage;
  uint32_t *usage_index; /* open addressing by namespace: 1 + index in usage, 0 empty; at most half full */
  size_t usage_index_cap;
  size_t usage_last; /* the record usage_for found last: a run of calls mostly asks for one namespace */
  sq_buf_t scratch;
  entry_t **dirty; /* the entries of generation gen */
  size_t n_dirty, dirty_cap;
  entry_t **graveyard; /* in-flight entries replaced or removed: freed when their snapshot is written */
  size_t n_graveyard, graveyard_cap;
  removed_range_t *ranges; /* key ranges removed whole, until their disk keys are deleted */
  size_t n_ranges;
  sq_recycler_t recycled; /* freed entries' memory, by allocation size */
  char error[300];
};

static entry_t tombstone_entry;
#define TOMBSTONE (&tombstone_entry)
#define NS_LEN 8
#define MAX_KEY 4096
/* Keys the store itself keeps in the database, after every state key. */
static const char meta_key[] = "\xff\xff\xff\xff" "checkpoint";
static const char usage_key[] = "\xff\xff\xff\xff" "usage";
static const char range_key[] = "\xff\xff\xff\xff" "range"; /* + the range's prefix */
#define CLEANUP_BATCH 10000
#define CLEANUP_RANGES_PER_BATCH 4096

/* Where an entry's value starts for a full key of `klen` bytes. */
static size_t value_offset(size_t klen) { return (sizeof(entry_t) + klen + 7) & ~(size_t)7; }

static const char *entry_key(const entry_t *e) { return (const char *)(e + 1); }
static void *entry_value(entry_t *e) { return (char *)e + value_offset(e->key_len); }
static const void *entry_cvalue(const entry_t *e) { return (const char *)e + value_offset(e->key_len); }

static uint32_t be32(const char *p) {
  return (uint32_t)(unsigned char)p[0] << 24 | (uint32_t)(unsigned char)p[1] << 16 | (uint32_t)(unsigned char)p[2] << 8 |
         (unsigned char)p[3];
}

static void fail(sq_state_t *s, const char *msg) {
  if (!s->error[0]) snprintf(s->error, sizeof s->error, "%s", msg);
}

static bool under_range(const sq_state_t *s, const char *key, size_t len) {
  for (size_t i = 0; i < s->n_ranges; i++)
    if (len >= s->ranges[i].len && memcmp(key, s->ranges[i].prefix, s->ranges[i].len) == 0) return true;
  return false;
}

/* The usage index slot of namespace (op, part): its record's, or the
 * empty one where it belongs. A pipeline may have thousands of stateful
 * operators, and every new key looks its namespace up. */
static uint32_t *usage_slot(uint32_t *index, size_t cap, const ns_usage_t *usage, uint32_t op, uint32_t part) {
  size_t i = (size_t)XXH3_64bits_withSeed(&op, sizeof op, part) & (cap - 1);
  while (index[i] && (usage[index[i] - 1].op != op || usage[index[i] - 1].partition != part)) i = (i + 1) & (cap - 1);
  return &index[i];
}

/* The usage record of a namespace (made on first use); NULL when memory
 * runs out. */
static ns_usage_t *usage_for(sq_state_t *s, uint32_t op, uint32_t part) {
  ns_usage_t *last = s->n_usage ? &s->usage[s->usage_last] : NULL;
  if (last && last->op == op && last->partition == part) return last;
  uint32_t *slot = s->usage_index_cap ? usage_slot(s->usage_index, s->usage_index_cap, s->usage, op, part) : NULL;
  if (slot && *slot) return &s->usage[s->usage_last = *slot - 1];
  if (2 * (s->n_usage + 1) > s->usage_index_cap) {
    size_t cap = s->usage_index_cap ? 2 * s->usage_index_cap : 16;
    uint32_t *index = calloc(cap, sizeof *index);
    if (!index) return NULL;
    for (size_t i = 0; i < s->n_usage; i++) *usage_slot(index, cap, s->usage, s->usage[i].op, s->usage[i].partition) = (uint32_t)i + 1;
    free(s->usage_index);
    s->usage_index = index;
    s->usage_index_cap = cap;
    slot = usage_slot(index, cap, s->usage, op, part);
  }
  ns_usage_t *v = sq_array_room(s->usage, s->n_usage, sizeof *v);
  if (!v) return NULL;
  s->usage = v;
  s->usage[s->n_usage] = (ns_usage_t){op, part, 0, 0, NULL, NULL};
  *slot = (uint32_t)++s->n_usage;
  return &s->usage[s->n_usage - 1];
}

static ns_usage_t *usage_of(sq_state_t *s, const char *key) { return usage_for(s, be32(key), be32(key + 4)); }

/* The usage record of an entry in the table. */
static ns_usage_t *entry_usage(sq_state_t *s, const entry_t *e) { return &s->usage[e->usage]; }
static const sq_state_type_t *entry_type(const sq_state_t *s, const entry_t *e) { return s->usage[e->usage].type; }
static size_t entry_size(const sq_state_t *s, const entry_t *e) { return value_offset(e->key_len) + entry_type(s, e)->size; }

/* The full key: namespace (big-endian, so ranges sort by operator then
 * partition) then the operator's key. */
static size_t full_key(const sq_state_ns_t *ns, const void *key, size_t len, char *out) {
  /* two swapped words: compilers turn byte-by-byte stores of these into ~40 instructions */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  uint32_t be[2] = {__builtin_bswap32(ns->op), __builtin_bswap32(ns->partition)};
#else
  uint32_t be[2] = {ns->op, ns->partition};
#endif
  memcpy(out, be, sizeof be);
  memcpy(out + NS_LEN, key, len);
  return NS_LEN + len;
}

/* Rehashes into a table twice as large, or as large when it is mostly
 * tombstones left by eviction. */
static bool grow(sq_state_t *s) {
  size_t cap = !s->cap ? 1024 : s->live * 2 < s->cap ? s->cap : s->cap * 2;
  entry_t **slots = calloc(cap, sizeof *slots);
  if (!slots) return false;
  for (size_t i = 0; i < s->cap; i++) {
    entry_t *e = s->slots[i];
    if (!e || e == TOMBSTONE) continue;
    size_t j = e->hash & (cap - 1);
    while (slots[j]) j = (j + 1) & (cap - 1);
    slots[j] = e;
  }
  s->bytes += (cap - s->cap) * sizeof *slots;
  free(s->slots);
  s->slots = slots;
  s->cap = cap;
  s->used = s->live;
  return true;
}

/* The slot of `k`, or of the first free slot on its probe path. */
static size_t find(const sq_state_t *s, const char *k, size_t len, uint64_t hash, bool *found) {
  size_t i = hash & (s->cap - 1), free_slot = SIZE_MAX;
  for (;; i = (i + 1) & (s->cap - 1)) {
    entry_t *e = s->slots[i];
    if (!e) break;
    if (e == TOMBSTONE) {
      if (free_slot == SIZE_MAX) free_slot = i;
      continue;
    }
    if (e->hash == (uint32_t)hash && e->key_len == len && memcmp(entry_key(e), k, len) == 0) {
      *found = true;
      return i;
    }
  }
  *found = false;
  return free_slot != SIZE_MAX ? free_slot : i;
}

static bool is_dirty(const sq_state_t *s, const entry_t *e) { return s->db && e->gen == s->gen; }
static bool in_flight(const sq_state_t *s, const entry_t *e) { return e->gen > s->written_gen && e->gen < s->gen; }
static bool is_clean(const sq_state_t *s, const entry_t *e) { return !is_dirty(s, e) && !in_flight(s, e); }

/* Whether the key is on disk once every snapshot out is written, and
 * since which generation (0: it was there at start). */
static bool on_disk(const sq_state_t *s, const entry_t *e, uint64_t *since) {
  if (e->gen && !is_dirty(s, e)) {
    *since = e->gen; /* its own snapshot wrote it (or is writing it) */
    return !(e->flags & DELETED);
  }
  *since = e->disk_gen;
  return e->flags & ON_DISK;
}

/* On disk in a checkpoint already written (a scan of the disk finds it). */
static bool durably_on_disk(const sq_state_t *s, const entry_t *e) {
  uint64_t since;
  return on_disk(s, e, &since) && since <= s->written_gen;
}

/* Makes a clean entry part of the generation being changed, before it
 * changes (its disk state is taken from what it was); false when memory
 * runs out. */
static bool mark_dirty(sq_state_t *s, entry_t *e) {
  if (!s->db || is_dirty(s, e)) return true;
  if (s->n_dirty == s->dirty_cap) {
    size_t cap = s->dirty_cap ? s->dirty_cap * 2 : 1024;
    entry_t **v = realloc(s->dirty, cap * sizeof *v);
    if (!v) return fail(s, "out of memory"), false;
    s->dirty = v;
    s->dirty_cap = cap;
  }
  uint64_t since;
  bool on = on_disk(s, e, &since);
  e->flags = (uint8_t)((e->flags & ~ON_DISK) | (on ? ON_DISK : 0));
  e->disk_gen = since;
  e->gen = s->gen;
  e->dirty_at = (uint32_t)s->n_dirty;
  s->dirty[s->n_dirty++] = e;
  s->dirty_bytes += entry_size(s, e);
  return true;
}

static bool graveyard_room(sq_state_t *s) {
  if (s->n_graveyard < s->graveyard_cap) return true;
  size_t cap = s->graveyard_cap ? s->graveyard_cap * 2 : 256;
  entry_t **v = realloc(s->graveyard, cap * sizeof *v);
  if (!v) return false;
  s->graveyard = v;
  s->graveyard_cap = cap;
  return true;
}

/* The bytes an entry is allocated with, its value of type `t` after `value_off`. */
static size_t alloc_size(size_t value_off, const sq_state_type_t *t) { return sq_recycle_size(value_off + t->size); }

/* Releases an entry's value (of type `t`) and frees it, or lists it for reuse. */
static void free_typed_entry(sq_state_t *s, entry_t *e, const sq_state_type_t *t) {
  if (t->release && !(e->flags & DELETED)) t->release(entry_value(e), t->ctx);
  sq_recycle_give(&s->recycled, e, alloc_size(value_offset(e->key_len), t));
}

static void free_entry(sq_state_t *s, entry_t *e) { free_typed_entry(s, e, entry_type(s, e)); }

/* Takes an entry out of the table and its namespace's list, and frees
 * it, or hands it to the graveyard when a snapshot out still reads it;
 * false (nothing done) when memory runs out. */
static bool drop(sq_state_t *s, size_t slot) {
  entry_t *e = s->slots[slot];
  bool flying = in_flight(s, e);
  if (flying && !graveyard_room(s)) return fail(s, "out of memory"), false;
  if (is_dirty(s, e)) {
    s->dirty[e->dirty_at] = s->dirty[--s->n_dirty];
    s->dirty[e->dirty_at]->dirty_at = e->dirty_at;
    s->dirty_bytes -= entry_size(s, e);
  }
  s->bytes -= entry_size(s, e);
  ns_usage_t *u = entry_usage(s, e);
  u->bytes -= entry_size(s, e);
  if (e->prev) e->prev->next = e->next;
  else u->entries = e->next;
  if (e->next) e->next->prev = e->prev;
  if (flying) s->graveyard[s->n_graveyard++] = e;
  else free_entry(s, e);
  s->slots[slot] = TOMBSTONE;
  s->live--;
  return true;
}

/* Evicts clean entries, CLOCK order, until the table is 10% under its
 * limit (so sweeps are rare). */
static void make_room(sq_state_t *s) {
  if (s->bytes <= s->limit || s->sweep_exhausted || s->bytes - s->dirty_bytes - s->flight_bytes < s->bytes / 16) return;
  size_t target = s->limit - s->limit / 10, budget = 2 * s->cap;
  while (s->bytes > target && budget--) {
    s->hand = (s->hand + 1) & (s->cap - 1);
    entry_t *e = s->slots[s->hand];
    if (!e || e == TOMBSTONE || !is_clean(s, e)) continue;
    if (e->flags & REFERENCED) {
      e->flags &= (uint8_t)~REFERENCED;
      continue;
    }
    drop(s, s->hand); /* clean: freed, cannot fail */
    s->complete = false;
  }
  s->sweep_exhausted = s->bytes > target; /* until a written snapshot cleans entries */
}

/* A new entry (a recycled one if its size has one) with its value
 * zeroed; NULL when memory runs out. */
static entry_t *new_entry(sq_state_t *s, const sq_state_type_t *type, const char *k, size_t klen, uint64_t hash) {
  size_t value_off = value_offset(klen), size = alloc_size(value_off, type);
  entry_t *e = sq_recycle_take(&s->recycled, size);
  if (e) {
    memset((char *)e + value_off, 0, type->size);
  } else if (!(e = calloc(1, size))) {
    return NULL;
  }
  *e = (entry_t){.hash = (uint32_t)hash, .key_len = (uint16_t)klen};
  memcpy(e + 1, k, klen);
  return e;
}

/* Decodes `in` into e's value of type `t`; false (the value released) when it is corrupt. */
static bool decode_value(entry_t *e, const sq_state_type_t *t, sq_cursor_t *in) {
  bool ok;
  if (t->decode) ok = t->decode(entry_value(e), in, t->ctx) && sq_cursor_done(in);
  else ok = in->end - in->p == (ptrdiff_t)t->size && (memcpy(entry_value(e), in->p, t->size), true);
  if (!ok && t->release) t->release(entry_value(e), t->ctx);
  return ok;
}

static void encode_value(const entry_t *e, const sq_state_type_t *t, sq_buf_t *out) {
  if (t->encode) t->encode(entry_cvalue(e), out, t->ctx);
  else sq_buf_append(out, entry_cvalue(e), t->size);
}

/* Puts a new entry (its value of type `t`) in the table and its
 * namespace's list; false (the entry not taken) when memory runs out. */
static bool insert(sq_state_t *s, size_t slot, entry_t *e, const sq_state_type_t *t) {
  ns_usage_t *u = usage_of(s, entry_key(e));
  if (!u) return false;
  u->type = t;
  e->usage = (uint32_t)(u - s->usage);
  if (!s->slots[slot]) s->used++;
  s->slots[slot] = e;
  s->live++;
  s->bytes += entry_size(s, e);
  u->bytes += entry_size(s, e);
  e->next = u->entries;
  if (u->entries) u->entries->prev = e;
  u->entries = e;
  return true;
}

/* Copy-on-write: an in-flight entry about to change is replaced in the
 * table by a copy (the value copied through its codec), the original
 * going to the graveyard; the copy, or NULL when memory runs out. */
static entry_t *detach(sq_state_t *s, size_t slot) {
  entry_t *e = s->slots[slot], *c = new_entry(s, entry_type(s, e), entry_key(e), e->key_len, e->hash);
  if (!c || !graveyard_room(s)) return free(c), fail(s, "out of memory"), NULL;
  if (!(e->flags & DELETED)) {
    sq_buf_clear(&s->scratch);
    encode_value(e, entry_type(s, e), &s->scratch);
    sq_cursor_t in = sq_cursor(s->scratch.data, s->scratch.len);
    if (s->scratch.failed || !decode_value(c, entry_type(s, e), &in)) return free(c), fail(s, "out of memory copying a state value"), NULL;
  }
  c->flags = e->flags & (DELETED | REFERENCED);
  c->gen = e->gen; /* until mark_dirty: on disk as its snapshot leaves it */
  c->usage = e->usage;
  c->prev = e->prev;
  c->next = e->next;
  if (c->prev) c->prev->next = c;
  else entry_usage(s, e)->entries = c;
  if (c->next) c->next->prev = c;
  s->slots[slot] = c;
  s->graveyard[s->n_graveyard++] = e;
  return c;
}

/* Reads a key missing from the table from disk into a new clean entry:
 * 1 loaded, 0 not on disk, -1 on failure. */
static int load(sq_state_t *s, const sq_state_ns_t *ns, const char *k, size_t klen, uint64_t hash, size_t slot, entry_t **out) {
  char err[256];
  if (s->n_ranges && under_range(s, k, klen)) return 0;
  int r = sq_storage_get(s->db, k, klen, &s->scratch, err, sizeof err);
  if (r <= 0) {
    if (r < 0) fail(s, err);
    return r;
  }
  entry_t *e = new_entry(s, ns->type, k, klen, hash);
  if (!e) return fail(s, "out of memory"), -1;
  sq_cursor_t in = sq_cursor(s->scratch.data, s->scratch.len);
  if (!decode_value(e, ns->type, &in)) {
    free(e);
    char msg[128];
    snprintf(msg, sizeof msg, "corrupt state: an entry of operator %u cannot be decoded", ns->op);
    fail(s, msg);
    return -1;
  }
  e->flags = ON_DISK;
  if (!insert(s, slot, e, ns->type)) {
    free_typed_entry(s, e, ns->type);
    return fail(s, "out of memory"), -1;
  }
  *out = e;
  return 1;
}

/* The entry of a full key (loading it from disk if needed), live or
 * deleted; NULL if there is none, or on failure (s->error set). */
static inline entry_t *lookup(sq_state_t *s, const sq_state_ns_t *ns, const char *k, size_t klen, uint64_t hash, size_t *slot) {
  if ((s->used + 1) * 4 > s->cap * 3 && !grow(s)) return fail(s, "out of memory"), NULL;
  bool found;
  *slot = find(s, k, klen, hash, &found);
  if (found) return s->slots[*slot];
  if (s->complete) return NULL;
  make_room(s);
  *slot = find(s, k, klen, hash, &found);
  entry_t *e = NULL;
  return load(s, ns, k, klen, hash, *slot, &e) > 0 ? e : NULL;
}

const void *sq_state_peek(sq_state_t *s, const sq_state_ns_t *ns, const void *key, size_t len) {
  char k[NS_LEN + MAX_KEY];
  if (len > MAX_KEY) return NULL;
  size_t klen = full_key(ns, key, len, k), slot;
  entry_t *e = lookup(s, ns, k, klen, XXH3_64bits(k, klen), &slot);
  return e && !(e->flags & DELETED) ? entry_value(e) : NULL; /* stays clean: evictable */
}

void *sq_state_get(sq_state_t *s, const sq_state_ns_t *ns, const void *key, size_t len, bool create, bool *created) {
  char k[NS_LEN + MAX_KEY];
  *created = false;
  if (len > MAX_KEY) return fail(s, "a state key is longer than 4096 bytes"), NULL;
  size_t klen = full_key(ns, key, len, k), slot = 0;
  uint64_t hash = XXH3_64bits(k, klen);
  entry_t *e = lookup(s, ns, k, klen, hash, &slot);
  if (!e && s->error[0]) return NULL;
  if ((!e || (e->flags & DELETED)) && !create) return NULL;
  if (e && in_flight(s, e) && !(e = detach(s, slot))) return NULL;
  if (!e) {
    make_room(s); /* evicting leaves tombstones: `slot` (where lookup missed) stays free */
    if (!(e = new_entry(s, ns->type, k, klen, hash)) || !insert(s, slot, e, ns->type)) {
      free(e);
      return fail(s, "out of memory"), NULL;
    }
    e->flags = DELETED; /* created below */
  }
  if (!mark_dirty(s, e)) return NULL;
  if (e->flags & DELETED) {
    e->flags &= (uint8_t)~DELETED; /* its value was zeroed when it was deleted */
    entry_usage(s, e)->keys++;
    *created = true;
  }
  e->flags |= REFERENCED;
  return entry_value(e);
}

/* Removes the live entry `e` at `slot`; false as sq_state_remove. */
static bool remove_at(sq_state_t *s, size_t slot, entry_t *e) {
  if (in_flight(s, e) && !(e = detach(s, slot))) return false;
  ns_usage_t *u = entry_usage(s, e);
  uint64_t since;
  /* absent from disk only once a snapshot out is written (it deletes the
   * key): until then the disk still holds the key, and a lookup that
   * missed the table would read it back, so it keeps a marker too */
  if (!on_disk(s, e, &since) && since <= s->written_gen) {
    if (!drop(s, slot)) return false;
  } else {
    /* on disk: a deleted marker until the next checkpoint deletes it there */
    if (!mark_dirty(s, e)) return false;
    const sq_state_type_t *t = entry_type(s, e);
    if (t->release) t->release(entry_value(e), t->ctx);
    memset(entry_value(e), 0, t->size);
    e->flags |= DELETED;
  }
  u->keys--;
  return true;
}

bool sq_state_remove(sq_state_t *s, const sq_state_ns_t *ns, const void *key, size_t len) {
  char k[NS_LEN + MAX_KEY];
  if (len > MAX_KEY) return false;
  size_t klen = full_key(ns, key, len, k), slot;
  entry_t *e = lookup(s, ns, k, klen, XXH3_64bits(k, klen), &slot);
  if (!e || (e->flags & DELETED)) return false;
  return remove_at(s, slot, e);
}

bool sq_state_remove_value(sq_state_t *s, void *value, size_t key_len) {
  entry_t *e = (entry_t *)((char *)value - value_offset(NS_LEN + key_len));
  size_t slot = e->hash & (s->cap - 1);
  while (s->slots[slot] != e) slot = (slot + 1) & (s->cap - 1); /* it is in the table: a get just returned it */
  return remove_at(s, slot, e);
}

bool sq_state_remove_range(sq_state_t *s, const sq_state_ns_t *ns, const void *prefix, size_t len) {
  char k[NS_LEN + MAX_KEY];
  if (len > MAX_KEY) return false;
  size_t plen = full_key(ns, prefix, len, k);
  ns_usage_t *u = usage_for(s, ns->op, ns->partition);
  for (entry_t *e = u ? u->entries : NULL, *next; e; e = next) {
    next = e->next;
    if (e->key_len < plen || memcmp(entry_key(e), k, plen) != 0) continue;
    /* keys on disk are counted out when the cleanup deletes them there */
    uint64_t since;
    bool on = on_disk(s, e, &since), deleted = e->flags & DELETED;
    bool found;
    if (!drop(s, find(s, entry_key(e), e->key_len, e->hash, &found))) return false;
    if (!deleted && !on) u->keys--;
    if (deleted && on) u->keys++; /* counted out already, and its deletion is not written */
  }
  if (!s->db) return true;
  removed_range_t *v = realloc(s->ranges, (s->n_ranges + 1) * sizeof *v);
  char *copy = v ? malloc(plen) : NULL;
  if (v) s->ranges = v;
  if (!copy) return fail(s, "out of memory"), false;
  memcpy(copy, k, plen);
  s->ranges[s->n_ranges++] = (removed_range_t){copy, (uint32_t)plen, false};
  return true;
}

/* ---- collecting keys ---------------------------------------------------- */

typedef struct key_ref {
  const char *p;
  uint32_t len;
} key_ref_t;

static int by_key(const void *a, const void *b) {
  const key_ref_t *x = a, *y = b;
  int c = memcmp(x->p, y->p, x->len < y->len ? x->len : y->len);
  return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* A key being sorted, with the 8 bytes after the prefix all of them share
 * (zero-padded) as a big-endian number: a window's keys (a tag and a short
 * string) are usually told apart by it, without a call to memcmp. */
typedef struct sort_ref {
  uint64_t head;
  key_ref_t key;
} sort_ref_t;

static uint64_t head_at(const char *p, size_t len, size_t from) {
  uint64_t u = 0;
  if (len >= from + 8) {
    memcpy(&u, p + from, 8);
    return __builtin_bswap64(u);
  }
  for (size_t i = from; i < from + 8; i++) u = u << 8 | (i < len ? (unsigned char)p[i] : 0u);
  return u;
}

static int by_head(const void *a, const void *b) {
  const sort_ref_t *x = a, *y = b;
  if (x->head != y->head) return x->head < y->head ? -1 : 1;
  return by_key(&x->key, &y->key); /* equal heads: also a key and its zero-extended longer one */
}

/* Up to `max` keys on disk after `after`, but for those the table holds
 * (deleted since, or not yet written by a checkpoint: the table lists
 * those). */
typedef struct disk_keys {
  sq_state_t *s;
  const key_ref_t *after;
  size_t max, n;
  sq_buf_t found; /* length-prefixed */
} disk_keys_t;

static bool note_disk_key(void *ctx, const char *key, size_t len) {
  disk_keys_t *d = ctx;
  key_ref_t k = {key, (uint32_t)len};
  if ((d->after && by_key(&k, d->after) <= 0) || (d->s->n_ranges && under_range(d->s, key, len))) return true;
  bool present = false;
  size_t slot = d->s->cap ? find(d->s, key, len, XXH3_64bits(key, len), &present) : 0;
  /* a key in the table comes from there unless the table leaves it to the disk */
  const entry_t *e = present ? d->s->slots[slot] : NULL;
  if (!e || (!(e->flags & DELETED) && durably_on_disk(d->s, e))) {
    uint32_t n = (uint32_t)len;
    sq_buf_append(&d->found, &n, sizeof n);
    sq_buf_append(&d->found, key, len);
    d->n++;
  }
  return !d->found.failed && d->n < d->max;
}

bool sq_state_collect_keys(sq_state_t *s, const sq_state_ns_t *ns, const void *prefix, size_t len, const void *after,
                           size_t after_len, size_t max, sq_buf_t *keys) {
  char k[NS_LEN + MAX_KEY], from[NS_LEN + MAX_KEY];
  if (len > MAX_KEY || after_len > MAX_KEY) return false;
  size_t plen = full_key(ns, prefix, len, k);
  if (s->complete) max = SIZE_MAX; /* all in memory anyway: one pass, one sort */
  key_ref_t after_ref = {from, after ? (uint32_t)full_key(ns, after, after_len, from) : 0};
  const key_ref_t *after_key = after ? &after_ref : NULL;
  disk_keys_t disk = {s, after_key, max, 0, {0}};
  char err[256];
  if (!s->complete && !sq_storage_keys(s->db, k, plen, after ? from : NULL, after ? after_ref.len : 0, note_disk_key, &disk, err,
                                        sizeof err)) {
    fail(s, err);
    sq_buf_free(&disk.found);
    return false;
  }
  sort_ref_t *refs = NULL;
  size_t n = 0, cap = 0;
  bool ok = !disk.found.failed;
  /* Keys durably on disk come from the disk (unless deleted since), the
   * others from the table: after a checkpoint most of the table is on
   * disk, and the table's part (sorted below) stays small. A snapshot
   * being written may land during the scan: its keys come from the table
   * either way. */
  ns_usage_t *u = usage_for(s, ns->op, ns->partition);
  for (entry_t *e = u ? u->entries : NULL; ok && e; e = e->next) {
    if ((e->flags & DELETED) || (!s->complete && durably_on_disk(s, e)) || e->key_len < plen || memcmp(entry_key(e), k, plen) != 0)
      continue;
    key_ref_t ref = {entry_key(e), e->key_len};
    if (after_key && by_key(&ref, after_key) <= 0) continue;
    if (n == cap && !(ok = (refs = realloc(refs, (cap = cap ? cap * 2 : 64) * sizeof *refs)) != NULL)) break;
    refs[n++] = (sort_ref_t){head_at(ref.p, ref.len, plen), ref};
  }
  const char *at;
  uint32_t klen;
  for (size_t pos = 0; ok && sq_state_next_key(&disk.found, &pos, &at, &klen);) {
    if (n == cap && !(ok = (refs = realloc(refs, (cap = cap ? cap * 2 : 64) * sizeof *refs)) != NULL)) break;
    refs[n++] = (sort_ref_t){head_at(at, klen, plen), {at, klen}};
  }
  if (ok && n) qsort(refs, n, sizeof *refs, by_head);
  for (size_t i = 0; ok && i < n && i < max; i++) {
    uint32_t klen2 = refs[i].key.len - NS_LEN;
    sq_buf_append(keys, &klen2, sizeof klen2);
    sq_buf_append(keys, refs[i].key.p + NS_LEN, klen2);
    ok = !keys->failed;
  }
  free(refs);
  sq_buf_free(&disk.found);
  if (!ok) fail(s, "out of memory");
  return ok;
}

bool sq_state_next_key(const sq_buf_t *keys, size_t *at, const char **key, uint32_t *len) {
  if (*at + sizeof *len > keys->len) return false;
  memcpy(len, keys->data + *at, sizeof *len);
  *key = keys->data + *at + sizeof *len;
  *at += sizeof *len + *len;
  return true;
}

void sq_state_usage(const sq_state_t *s, const sq_state_ns_t *ns, size_t *keys, size_t *bytes) {
  *keys = *bytes = 0;
  const uint32_t *slot = s->usage_index_cap ? usage_slot(s->usage_index, s->usage_index_cap, s->usage, ns->op, ns->partition) : NULL;
  if (slot && *slot) *keys = s->usage[*slot - 1].keys, *bytes = s->usage[*slot - 1].bytes;
}

const char *sq_state_error(const sq_state_t *s) { return s->error[0] ? s->error : NULL; }

/* What writing a changed entry costs outside the cache, besides its own
 * bytes: LevelDB holds the whole checkpoint at once in its batch and then
 * its memtable (the key and encoded value twice, a skiplist node, the
 * snapshot's pointer). Small entries are mostly that: 5M keys through a
 * 64 MiB cache (tests/recovery/test_state_beyond_cache.sh) peaked at 258
 * MiB of RSS with 128-byte entries counted alone, 241 MiB with 208-byte
 * ones. */
#define CHECKPOINT_ENTRY_COST 64

bool sq_state_wants_checkpoint(const sq_state_t *s) {
  return s->db && s->dirty_bytes + s->n_dirty * CHECKPOINT_ENTRY_COST >= s->limit / 2;
}

/* ---- checkpoints --------------------------------------------------------- */

typedef struct snap_range {
  const char *prefix; /* the store's copy, kept until the snapshot is finished */
  uint32_t len;
  bool record;      /* no written checkpoint has recorded it yet */
  bool cleaned;     /* its disk keys and its record are deleted */
  size_t usage;     /* its namespace, in the snapshot's usage */
  uint64_t deleted; /* disk keys deleted */
} snap_range_t;

typedef struct snap_usage {
  uint32_t op, partition;
  uint64_t keys;
  const sq_state_type_t *type; /* of its values: the writer encodes entries through it */
} snap_usage_t;

/* Everything one checkpoint writes, handed from the engine to the writer
 * whole: the changed entries (in flight: immutable until finished), the
 * key counts and removed ranges as of the checkpoint, and its record. */
struct sq_state_snapshot {
  sq_storage_t *db;
  uint64_t gen;
  entry_t **entries; /* the generation's dirty entries (and a failed snapshot's before them) */
  size_t n;
  entry_t **deleted; /* those that are deleted markers, for the engine to drop once written */
  size_t n_deleted;
  sq_buf_t meta, scratch;
  snap_usage_t *usage;
  size_t n_usage;
  snap_range_t *ranges;
  size_t n_ranges;
  bool clean_up;
  atomic_bool stop; /* set by the engine: end the range cleanup after its current batch */
  bool written;
  sq_state_commit_stats_t stats;
  char err[300];
};

static void snapshot_free(sq_state_snapshot_t *snap) {
  if (!snap) return;
  free(snap->entries);
  free(snap->deleted);
  sq_buf_free(&snap->meta);
  sq_buf_free(&snap->scratch);
  free(snap->usage);
  free(snap->ranges);
  free(snap);
}

sq_state_snapshot_t *sq_state_snapshot(sq_state_t *s, const void *meta, size_t meta_len, bool clean_up, char *err, size_t err_size) {
  if (s->in_flight) return snprintf(err, err_size, "a checkpoint is still being written"), NULL;
  sq_state_snapshot_t *snap = calloc(1, sizeof *snap);
  size_t n_failed = s->failed ? s->failed->n : 0;
  if (snap) {
    snap->usage = malloc((s->n_usage ? s->n_usage : 1) * sizeof *snap->usage);
    snap->ranges = malloc((s->n_ranges ? s->n_ranges : 1) * sizeof *snap->ranges);
    snap->entries = n_failed ? malloc((n_failed + s->n_dirty) * sizeof *snap->entries) : s->dirty;
    sq_buf_append(&snap->meta, meta, meta_len);
  }
  if (!snap || !snap->usage || !snap->ranges || (n_failed && !snap->entries) || snap->meta.failed) {
    if (snap && n_failed) free(snap->entries);
    else if (snap) snap->entries = NULL;
    snapshot_free(snap);
    return snprintf(err, err_size, "out of memory"), NULL;
  }
  snap->db = s->db;
  snap->gen = s->gen;
  snap->clean_up = clean_up;
  snap->n_ranges = s->n_ranges;
  for (size_t i = 0; i < s->n_ranges; i++) /* their namespaces exist: remove_range or open made them */
    snap->ranges[i] = (snap_range_t){s->ranges[i].prefix, s->ranges[i].len, !s->ranges[i].durable, false,
                                     *usage_slot(s->usage_index, s->usage_index_cap, s->usage, be32(s->ranges[i].prefix),
                                                 be32(s->ranges[i].prefix + 4)) - 1u, 0};
  for (size_t i = 0; i < s->n_usage; i++)
    snap->usage[i] = (snap_usage_t){s->usage[i].op, s->usage[i].partition, s->usage[i].keys, s->usage[i].type};
  snap->n_usage = s->n_usage;
  /* the failed snapshot's entries first: a key changed since has its newer copy among the dirty ones */
  if (n_failed) {
    memcpy(snap->entries, s->failed->entries, n_failed * sizeof *snap->entries);
    memcpy(snap->entries + n_failed, s->dirty, s->n_dirty * sizeof *snap->entries);
    free(s->dirty);
    snapshot_free(s->failed);
    s->failed = NULL;
  }
  snap->n = n_failed + s->n_dirty;
  s->dirty = NULL;
  s->n_dirty = s->dirty_cap = 0;
  s->flight_bytes += s->dirty_bytes;
  s->dirty_bytes = 0;
  s->gen++;
  s->in_flight = true;
  return snap;
}

static int by_key_then_gen(const void *a, const void *b) {
  const entry_t *x = *(entry_t *const *)a, *y = *(entry_t *const *)b;
  key_ref_t kx = {entry_key(x), x->key_len}, ky = {entry_key(y), y->key_len};
  int c = by_key(&kx, &ky);
  return c ? c : (x->gen > y->gen) - (x->gen < y->gen);
}

/* The key counts as of the snapshot (less what its cleanup deleted), with
 * the batch that makes them true. */
static void put_usage(sq_state_snapshot_t *snap, sq_storage_batch_t *b) {
  sq_buf_clear(&snap->scratch);
  for (size_t i = 0; i < snap->n_usage; i++) {
    sq_put_u64(&snap->scratch, snap->usage[i].op);
    sq_put_u64(&snap->scratch, snap->usage[i].partition);
    sq_put_u64(&snap->scratch, snap->usage[i].keys);
  }
  sq_storage_batch_put(snap->db, b, usage_key, sizeof usage_key - 1, snap->scratch.data, snap->scratch.len);
}

static void range_record_key(sq_buf_t *out, const snap_range_t *r) {
  sq_buf_clear(out);
  sq_buf_append(out, range_key, sizeof range_key - 1);
  sq_buf_append(out, r->prefix, r->len);
}

/* Deletes the disk keys of recorded ranges, a batch at a time, each scan
 * going on from the last key deleted (not synced: a crash only leaves
 * more to delete, as a range's record stays until its keys are gone).
 * Stops early when the engine asks (it wants the next checkpoint out) or
 * a write fails: what is left is the next snapshot's to clean. */
typedef struct cleanup {
  sq_state_snapshot_t *snap;
  sq_storage_batch_t *b;
  size_t n;
  char from[NS_LEN + MAX_KEY];
  size_t from_len;
  uint64_t pending; /* keys of the current range in the batch */
} cleanup_t;

static bool delete_disk_key(void *ctx, const char *key, size_t len) {
  cleanup_t *c = ctx;
  sq_storage_batch_delete(c->snap->db, c->b, key, len);
  memcpy(c->from, key, len);
  c->from_len = len;
  c->pending++;
  return ++c->n < CLEANUP_BATCH;
}

static void clean_up_ranges(sq_state_snapshot_t *snap) {
  cleanup_t c = {snap, NULL, 0, "", 0, 0};
  size_t next = 0; /* the range being cleaned */
  bool resuming = false;
  while (next < snap->n_ranges && !atomic_load(&snap->stop)) {
    if (!(c.b = sq_storage_batch_new(snap->db))) return;
    c.n = 0;
    /* as many ranges as one batch holds: thousands of windowed queries
     * close thousands of small ranges per checkpoint */
    size_t first = next;
    uint64_t counts[CLEANUP_RANGES_PER_BATCH];
    size_t n_counts = 0;
    bool ok = true;
    char err[256];
    while (ok && c.n < CLEANUP_BATCH && next < snap->n_ranges && n_counts < CLEANUP_RANGES_PER_BATCH) {
      snap_range_t *r = &snap->ranges[next];
      c.pending = 0;
      ok = sq_storage_keys(snap->db, r->prefix, r->len, resuming ? c.from : NULL, resuming ? c.from_len : 0, delete_disk_key, &c,
                           err, sizeof err);
      counts[n_counts++] = c.pending;
      snap->usage[r->usage].keys -= c.pending;
      if (!ok || c.n >= CLEANUP_BATCH) break; /* not done: the next batch goes on from c.from */
      range_record_key(&snap->scratch, r);
      sq_storage_batch_delete(snap->db, c.b, snap->scratch.data, snap->scratch.len);
      r->cleaned = true;
      resuming = false;
      next++;
    }
    if (ok) put_usage(snap, c.b);
    ok = ok && !snap->scratch.failed && sq_storage_write(snap->db, c.b, false, err, sizeof err);
    sq_storage_batch_free(snap->db, c.b);
    if (!ok) {
      for (size_t i = first; i < next; i++) snap->ranges[i].cleaned = false;
      return;
    }
    for (size_t i = 0; i < n_counts; i++) snap->ranges[first + i].deleted += counts[i];
    resuming = next < snap->n_ranges && c.n >= CLEANUP_BATCH;
  }
}

bool sq_state_snapshot_write(sq_state_snapshot_t *snap) {
  snap->stats = (sq_state_commit_stats_t){0};
  if (!snap->db) return snap->written = true;
  /* in key order: LevelDB's memtable takes sorted inserts several times
   * faster than hash order (a 1M-key checkpoint: 2.2 s before); of two
   * versions of a key (a failed snapshot's and a newer one) the newer last */
  if (snap->n) qsort(snap->entries, snap->n, sizeof *snap->entries, by_key_then_gen);
  sq_storage_batch_t *b = sq_storage_batch_new(snap->db);
  if (!b) return snprintf(snap->err, sizeof snap->err, "out of memory"), false;
  size_t n_deleted = 0;
  for (size_t i = 0; i < snap->n; i++) n_deleted += (snap->entries[i]->flags & DELETED) != 0;
  if (n_deleted && !(snap->deleted = malloc(n_deleted * sizeof *snap->deleted))) {
    sq_storage_batch_free(snap->db, b);
    return snprintf(snap->err, sizeof snap->err, "out of memory"), false;
  }
  for (size_t i = 0; i < snap->n; i++) {
    const entry_t *e = snap->entries[i];
    if (e->flags & DELETED) {
      sq_storage_batch_delete(snap->db, b, entry_key(e), e->key_len);
      snap->deleted[snap->n_deleted++] = snap->entries[i];
      snap->stats.deleted++;
      continue;
    }
    sq_buf_clear(&snap->scratch);
    encode_value(e, snap->usage[e->usage].type, &snap->scratch);
    sq_storage_batch_put(snap->db, b, entry_key(e), e->key_len, snap->scratch.data, snap->scratch.len);
    snap->stats.written++;
    snap->stats.bytes += e->key_len + snap->scratch.len;
  }
  put_usage(snap, b);
  snap->stats.bytes += snap->meta.len + snap->scratch.len;
  sq_storage_batch_put(snap->db, b, meta_key, sizeof meta_key - 1, snap->meta.data, snap->meta.len);
  for (size_t i = 0; i < snap->n_ranges; i++) {
    if (!snap->ranges[i].record) continue;
    range_record_key(&snap->scratch, &snap->ranges[i]);
    sq_storage_batch_put(snap->db, b, snap->scratch.data, snap->scratch.len, "", 0);
  }
  bool ok = !snap->scratch.failed && sq_storage_write(snap->db, b, true, snap->err, sizeof snap->err);
  if (snap->scratch.failed) snprintf(snap->err, sizeof snap->err, "out of memory");
  sq_storage_batch_free(snap->db, b);
  if (!ok) return false;
  snap->written = true;
  if (snap->clean_up) clean_up_ranges(snap);
  return true;
}

void sq_state_snapshot_interrupt(sq_state_snapshot_t *snap) { atomic_store(&snap->stop, true); }

bool sq_state_snapshot_finish(sq_state_t *s, sq_state_snapshot_t *snap, sq_state_commit_stats_t *stats, char *err, size_t err_size) {
  s->in_flight = false;
  *stats = snap->stats;
  if (!snap->written) {
    /* its entries stay in flight (immutable) and go out with the next one */
    snprintf(err, err_size, "%s", snap->err);
    free(snap->deleted);
    snap->deleted = NULL;
    snap->n_deleted = 0;
    s->failed = snap;
    return false;
  }
  s->written_gen = snap->gen;
  s->flight_bytes = 0;
  s->sweep_exhausted = false;
  /* deleted markers written: the disk says it now (unless changed since) */
  for (size_t i = 0; i < snap->n_deleted; i++) {
    entry_t *e = snap->deleted[i];
    bool found;
    size_t slot = find(s, entry_key(e), e->key_len, e->hash, &found);
    if (found && s->slots[slot] == e) drop(s, slot);
  }
  for (size_t i = 0; i < s->n_graveyard; i++) free_entry(s, s->graveyard[i]);
  s->n_graveyard = 0;
  size_t kept = 0;
  for (size_t i = 0, j = 0; i < s->n_ranges; i++) {
    removed_range_t r = s->ranges[i];
    while (j < snap->n_ranges && snap->ranges[j].prefix != r.prefix) j++;
    const snap_range_t *done = j < snap->n_ranges ? &snap->ranges[j] : NULL; /* NULL: removed after the snapshot */
    if (done) {
      r.durable = true;
      ns_usage_t *u = usage_of(s, r.prefix);
      if (u) u->keys -= done->deleted;
    }
    if (done && done->cleaned) free(r.prefix);
    else s->ranges[kept++] = r;
  }
  s->n_ranges = kept;
  snapshot_free(snap);
  return true;
}

bool sq_state_commit(sq_state_t *s, const void *meta, size_t meta_len, sq_state_commit_stats_t *stats, char *err, size_t err_size) {
  *stats = (sq_state_commit_stats_t){0};
  sq_state_snapshot_t *snap = sq_state_snapshot(s, meta, meta_len, true, err, err_size);
  if (!snap) return false;
  sq_state_snapshot_write(snap);
  return sq_state_snapshot_finish(s, snap, stats, err, err_size);
}

int sq_state_storage_meta(sq_storage_t *db, sq_buf_t *out, char *err, size_t err_size) {
  return sq_storage_get(db, meta_key, sizeof meta_key - 1, out, err, err_size);
}

/* ---- life ----------------------------------------------------------------- */

static bool first_key(void *ctx, const char *key, size_t len) {
  *(bool *)ctx = len < 4 || be32(key) != 0xffffffffu; /* a state key sorts before the store's own */
  return false;
}

/* A recorded range whose disk keys may not all be deleted yet. */
static bool note_range(void *ctx, const char *key, size_t len) {
  sq_state_t *s = ctx;
  removed_range_t *v = realloc(s->ranges, (s->n_ranges + 1) * sizeof *v);
  size_t plen = len - (sizeof range_key - 1);
  char *copy = v ? malloc(plen ? plen : 1) : NULL;
  if (v) s->ranges = v;
  if (!copy) return false;
  memcpy(copy, key + sizeof range_key - 1, plen);
  s->ranges[s->n_ranges++] = (removed_range_t){copy, (uint32_t)plen, true};
  return plen >= NS_LEN && usage_of(s, copy) != NULL; /* the cleanup counts its keys out there */
}

/* Key counts saved by the last checkpoint, ranges still to delete, and
 * whether the disk holds any state at all. */
static bool open_db(sq_state_t *s, char *err, size_t err_size) {
  bool has_state = false;
  if (!sq_storage_keys(s->db, "", 0, NULL, 0, first_key, &has_state, err, err_size)) return false;
  s->complete = !has_state;
  int r = sq_storage_get(s->db, usage_key, sizeof usage_key - 1, &s->scratch, err, err_size);
  if (r < 0) return false;
  sq_cursor_t in = sq_cursor(s->scratch.data, r ? s->scratch.len : 0);
  while (!in.failed && in.p < in.end) {
    uint32_t op = (uint32_t)sq_get_u64(&in), part = (uint32_t)sq_get_u64(&in);
    size_t keys = (size_t)sq_get_u64(&in);
    ns_usage_t *u = in.failed ? NULL : usage_for(s, op, part);
    if (u) u->keys = keys;
  }
  if (in.failed) return snprintf(err, err_size, "corrupt state: the key counts of the last checkpoint cannot be read"), false;
  /* what a stop interrupted: the first checkpoint's writer goes on */
  return sq_storage_keys(s->db, range_key, sizeof range_key - 1, NULL, 0, note_range, s, err, err_size);
}

sq_state_t *sq_state_new(sq_storage_t *db, size_t cache_bytes, char *err, size_t err_size) {
  sq_state_t *s = calloc(1, sizeof *s);
  if (!s) {
    sq_storage_close(db);
    return snprintf(err, err_size, "out of memory"), NULL;
  }
  s->db = db;
  s->limit = db ? cache_bytes : SIZE_MAX;
  s->complete = true;
  s->gen = 1;
  if (db && !open_db(s, err, err_size)) {
    sq_state_destroy(s);
    return NULL;
  }
  return s;
}

void sq_state_destroy(sq_state_t *s) {
  if (!s) return;
  /* no snapshot is out: its owner finished it */
  for (size_t i = 0; i < s->cap; i++)
    if (s->slots[i] && s->slots[i] != TOMBSTONE) free_entry(s, s->slots[i]);
  for (size_t i = 0; i < s->n_graveyard; i++) free_entry(s, s->graveyard[i]);
  sq_recycler_free(&s->recycled);
  free(s->graveyard);
  snapshot_free(s->failed);
  free(s->slots);
  free(s->usage);
  free(s->usage_index);
  free(s->dirty);
  for (size_t i = 0; i < s->n_ranges; i++) free(s->ranges[i].prefix);
  free(s->ranges);
  sq_buf_free(&s->scratch);
  sq_storage_close(s->db);
  free(s);
}

/* ---- tasks ----------------------------------------------------------------- */

bool sq_state_forget(sq_state_t *s, uint32_t lo, uint32_t hi) {
  for (size_t i = 0; i < s->n_usage; i++) {
    ns_usage_t *u = &s->usage[i];
    if (u->partition < lo || u->partition >= hi) continue;
    for (entry_t *e = u->entries; e; e = e->next)
      if (!is_clean(s, e)) return false;
    while (u->entries) {
      entry_t *e = u->entries;
      bool found;
      size_t slot = find(s, entry_key(e), e->key_len, e->hash, &found);
      if (!found || !drop(s, slot)) return false; /* clean: freed */
    }
  }
  s->complete = false; /* what it held is read from disk again */
  return true;
}

sq_storage_t *sq_state_storage(sq_state_t *s) { return s->db; }

void sq_state_snapshot_visit(sq_state_snapshot_t *snap, const sq_state_visitor_t *v, void *ctx) {
  for (size_t i = 0; i < snap->n; i++) {
    const entry_t *e = snap->entries[i];
    if (e->flags & DELETED) {
      v->put(ctx, entry_key(e), e->key_len, NULL, 0);
      continue;
    }
    sq_buf_clear(&snap->scratch);
    encode_value(e, snap->usage[e->usage].type, &snap->scratch);
    v->put(ctx, entry_key(e), e->key_len, snap->scratch.data, snap->scratch.len);
  }
  for (size_t i = 0; i < snap->n_ranges; i++)
    if (snap->ranges[i].record) v->remove_range(ctx, snap->ranges[i].prefix, snap->ranges[i].len);
}

void sq_state_snapshot_refuse(sq_state_snapshot_t *snap, const char *why) {
  snprintf(snap->err, sizeof snap->err, "%s", why);
  snap->written = false;
}
