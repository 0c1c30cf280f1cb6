/* The state store: an open-addressing hash table over full keys
 * (<op><partition><key>), each entry one allocation holding its key and
 * value, optionally over a storage (LevelDB at run time) holding the
 * last checkpoint.
 *
 * With a database, an entry is dirty from the moment an operator gets it
 * (operators change values in place) until the next checkpoint writes it;
 * a removed entry that exists on disk stays as a deleted marker until
 * then. Only clean entries are evicted (CLOCK: a get sets the reference
 * bit, the sweeping hand clears it or evicts), so the database never
 * holds anything newer than a checkpoint, and a crash at any moment
 * leaves exactly the last checkpoint on disk. While nothing has ever been
 * evicted and the database held no state when opened, the table holds
 * everything and a miss needs no disk read ("complete").
 *
 * Keys and memory bytes per namespace are kept as entries come and go, so
 * usage() costs nothing; key counts are saved with each checkpoint. Each
 * namespace also lists its entries in memory, so removing or collecting a
 * key range (a closing window) visits one operator's entries, not the
 * whole table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "engine/state.h"

enum { DIRTY = 1, DELETED = 2, ON_DISK = 4, REFERENCED = 8 };

typedef struct entry {
  uint64_t hash;
  struct entry *prev, *next; /* its namespace's entries */
  const sq_state_type_t *type;
  uint32_t key_len;   /* full key, namespace included */
  uint16_t value_off; /* from the entry start, aligned */
  uint8_t flags;
  /* key bytes, then the value */
} entry_t;

/* A key range removed whole (a closed window): its keys count as absent
 * at once; the checkpoint after the removal records it, and then its keys
 * are deleted from disk a batch at a time. */
typedef struct removed_range {
  char *prefix; /* full key prefix */
  uint32_t len;
  bool durable; /* a checkpoint has recorded it */
} removed_range_t;

typedef struct ns_usage {
  uint32_t op, partition;
  size_t keys, bytes;
  struct entry *entries; /* in memory: a window's close visits these, not the whole table */
} ns_usage_t;

struct sq_state {
  entry_t **slots; /* NULL empty, TOMBSTONE removed */
  size_t cap, used, live;
  size_t bytes, dirty_bytes, limit;
  size_t hand;
  bool complete, sweep_exhausted;
  sq_storage_t *db;
  ns_usage_t *usage;
  size_t n_usage;
  uint32_t *usage_index; /* open addressing by namespace: 1 + index in usage, 0 empty; at most half full */
  size_t usage_index_cap;
  sq_buf_t scratch;
  entry_t **dirty; /* a checkpoint's dirty entries, sorted */
  size_t dirty_cap;
  removed_range_t *ranges; /* key ranges removed whole, until their disk keys are deleted */
  size_t n_ranges;
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

static const char *entry_key(const entry_t *e) { return (const char *)(e + 1); }
static void *entry_value(entry_t *e) { return (char *)e + e->value_off; }
static size_t entry_size(const entry_t *e) { return e->value_off + e->type->size; }

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
  uint32_t *slot = s->usage_index_cap ? usage_slot(s->usage_index, s->usage_index_cap, s->usage, op, part) : NULL;
  if (slot && *slot) return &s->usage[*slot - 1];
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
  s->usage[s->n_usage] = (ns_usage_t){op, part, 0, 0, NULL};
  *slot = (uint32_t)++s->n_usage;
  return &s->usage[s->n_usage - 1];
}

static ns_usage_t *usage_of(sq_state_t *s, const char *key) { return usage_for(s, be32(key), be32(key + 4)); }

/* The full key: namespace (big-endian, so ranges sort by operator then
 * partition) then the operator's key. */
static size_t full_key(const sq_state_ns_t *ns, const void *key, size_t len, char *out) {
  for (int i = 0; i < 4; i++) {
    out[i] = (char)(ns->op >> (24 - 8 * i));
    out[4 + i] = (char)(ns->partition >> (24 - 8 * i));
  }
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
    if (e->hash == hash && e->key_len == len && memcmp(entry_key(e), k, len) == 0) {
      *found = true;
      return i;
    }
  }
  *found = false;
  return free_slot != SIZE_MAX ? free_slot : i;
}

static void mark_dirty(sq_state_t *s, entry_t *e) {
  if (!s->db || (e->flags & DIRTY)) return;
  e->flags |= DIRTY;
  s->dirty_bytes += entry_size(e);
}

/* Frees an entry (releasing its value unless it was deleted, which
 * released it) and empties its slot. */
static void drop(sq_state_t *s, size_t slot) {
  entry_t *e = s->slots[slot];
  if (e->type->release && !(e->flags & DELETED)) e->type->release(entry_value(e), e->type->ctx);
  s->bytes -= entry_size(e);
  ns_usage_t *u = usage_of(s, entry_key(e)); /* found: insert made it */
  u->bytes -= entry_size(e);
  if (e->prev) e->prev->next = e->next;
  else u->entries = e->next;
  if (e->next) e->next->prev = e->prev;
  free(e);
  s->slots[slot] = TOMBSTONE;
  s->live--;
}

/* Evicts clean entries, CLOCK order, until the table is 10% under its
 * limit (so sweeps are rare). */
static void make_room(sq_state_t *s) {
  if (s->bytes <= s->limit || s->sweep_exhausted || s->bytes - s->dirty_bytes < s->bytes / 16) return;
  size_t target = s->limit - s->limit / 10, budget = 2 * s->cap;
  while (s->bytes > target && budget--) {
    s->hand = (s->hand + 1) & (s->cap - 1);
    entry_t *e = s->slots[s->hand];
    if (!e || e == TOMBSTONE || (e->flags & DIRTY)) continue;
    if (e->flags & REFERENCED) {
      e->flags &= (uint8_t)~REFERENCED;
      continue;
    }
    drop(s, s->hand);
    s->complete = false;
  }
  s->sweep_exhausted = s->bytes > target; /* until the next checkpoint cleans entries */
}

static entry_t *new_entry(const sq_state_ns_t *ns, const char *k, size_t klen, uint64_t hash) {
  size_t value_off = (sizeof(entry_t) + klen + 15) & ~(size_t)15;
  entry_t *e = calloc(1, value_off + ns->type->size);
  if (!e) return NULL;
  *e = (entry_t){hash, NULL, NULL, ns->type, (uint32_t)klen, (uint16_t)value_off, 0};
  memcpy(e + 1, k, klen);
  return e;
}

/* Puts a new entry in the table and its namespace's list; false (the
 * entry not taken) when memory runs out. */
static bool insert(sq_state_t *s, size_t slot, entry_t *e) {
  ns_usage_t *u = usage_of(s, entry_key(e));
  if (!u) return false;
  if (!s->slots[slot]) s->used++;
  s->slots[slot] = e;
  s->live++;
  s->bytes += entry_size(e);
  u->bytes += entry_size(e);
  e->next = u->entries;
  if (u->entries) u->entries->prev = e;
  u->entries = e;
  return true;
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
  entry_t *e = new_entry(ns, k, klen, hash);
  if (!e) return fail(s, "out of memory"), -1;
  sq_cursor_t in = sq_cursor(s->scratch.data, s->scratch.len);
  bool ok;
  if (ns->type->decode) ok = ns->type->decode(entry_value(e), &in, ns->type->ctx) && sq_cursor_done(&in);
  else ok = in.end - in.p == (ptrdiff_t)ns->type->size && (memcpy(entry_value(e), in.p, ns->type->size), true);
  if (!ok) {
    if (ns->type->release) ns->type->release(entry_value(e), ns->type->ctx);
    free(e);
    char msg[128];
    snprintf(msg, sizeof msg, "corrupt state: an entry of operator %u cannot be decoded", ns->op);
    fail(s, msg);
    return -1;
  }
  e->flags = ON_DISK;
  if (!insert(s, slot, e)) {
    if (ns->type->release) ns->type->release(entry_value(e), ns->type->ctx);
    free(e);
    return fail(s, "out of memory"), -1;
  }
  *out = e;
  return 1;
}

/* The entry of a full key (loading it from disk if needed), live or
 * deleted; NULL if there is none, or on failure (s->error set). */
static entry_t *lookup(sq_state_t *s, const sq_state_ns_t *ns, const char *k, size_t klen, uint64_t hash, size_t *slot) {
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
  size_t klen = full_key(ns, key, len, k), slot;
  uint64_t hash = XXH3_64bits(k, klen);
  entry_t *e = lookup(s, ns, k, klen, hash, &slot);
  if (!e && s->error[0]) return NULL;
  if (!e || (e->flags & DELETED)) {
    if (!create) return NULL;
    if (e) {
      e->flags &= (uint8_t)~DELETED; /* its value was zeroed when it was deleted */
    } else {
      make_room(s);
      bool found;
      slot = find(s, k, klen, hash, &found);
      if (!(e = new_entry(ns, k, klen, hash)) || !insert(s, slot, e)) {
        free(e);
        return fail(s, "out of memory"), NULL;
      }
    }
    ns_usage_t *u = usage_of(s, k);
    if (u) u->keys++;
    *created = true;
  }
  e->flags |= REFERENCED;
  mark_dirty(s, e);
  return entry_value(e);
}

bool sq_state_remove(sq_state_t *s, const sq_state_ns_t *ns, const void *key, size_t len) {
  char k[NS_LEN + MAX_KEY];
  if (len > MAX_KEY) return false;
  size_t klen = full_key(ns, key, len, k), slot;
  entry_t *e = lookup(s, ns, k, klen, XXH3_64bits(k, klen), &slot);
  if (!e || (e->flags & DELETED)) return false;
  ns_usage_t *u = usage_of(s, k);
  if (u) u->keys--;
  if (!(e->flags & ON_DISK)) {
    if (e->flags & DIRTY) s->dirty_bytes -= entry_size(e);
    drop(s, slot);
    return true;
  }
  /* on disk: a deleted marker until the next checkpoint deletes it there */
  if (e->type->release) e->type->release(entry_value(e), e->type->ctx);
  memset(entry_value(e), 0, e->type->size);
  e->flags |= DELETED;
  mark_dirty(s, e);
  return true;
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
    if (!(e->flags & ON_DISK)) u->keys--;
    if ((e->flags & ON_DISK) && (e->flags & DELETED)) u->keys++; /* counted out already */
    if (e->flags & DIRTY) s->dirty_bytes -= entry_size(e);
    bool found;
    drop(s, find(s, entry_key(e), e->key_len, e->hash, &found));
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

/* Up to `max` keys on disk after `after`, but for those deleted since the
 * last checkpoint (deleted markers in the table). */
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
  if (!present || !(d->s->slots[slot]->flags & DELETED)) {
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
  /* Keys on disk come from the disk (unless deleted since), the others
   * from the table: after a checkpoint most of the table is on disk, and
   * the table's part (sorted below) stays small. */
  ns_usage_t *u = usage_for(s, ns->op, ns->partition);
  entry_t *e = u ? u->entries : NULL;
  const char *at;
  uint32_t klen;
  for (size_t pos = 0; ok;) {
    key_ref_t ref;
    if (e) {
      ref = (key_ref_t){entry_key(e), e->key_len};
      bool wanted = !(e->flags & (DELETED | (s->complete ? 0 : ON_DISK))) && e->key_len >= plen && memcmp(ref.p, k, plen) == 0 &&
                    !(after_key && by_key(&ref, after_key) <= 0);
      e = e->next;
      if (!wanted) continue;
    } else if (sq_state_next_key(&disk.found, &pos, &at, &klen)) {
      ref = (key_ref_t){at, klen};
    } else {
      break;
    }
    if (n == cap && !(ok = (refs = realloc(refs, (cap = cap ? cap * 2 : 64) * sizeof *refs)) != NULL)) break;
    refs[n++] = (sort_ref_t){head_at(ref.p, ref.len, plen), ref};
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

bool sq_state_wants_checkpoint(const sq_state_t *s) { return s->db && s->dirty_bytes >= s->limit / 2; }

/* ---- checkpoints --------------------------------------------------------- */

static void encode_entry(sq_state_t *s, entry_t *e) {
  sq_buf_clear(&s->scratch);
  if (e->type->encode) e->type->encode(entry_value(e), &s->scratch, e->type->ctx);
  else sq_buf_append(&s->scratch, entry_value(e), e->type->size);
}

/* The key counts, with the batch that makes them true. */
static void put_usage(sq_state_t *s, sq_storage_batch_t *b) {
  sq_buf_clear(&s->scratch);
  for (size_t i = 0; i < s->n_usage; i++) {
    sq_put_u64(&s->scratch, s->usage[i].op);
    sq_put_u64(&s->scratch, s->usage[i].partition);
    sq_put_u64(&s->scratch, s->usage[i].keys);
  }
  sq_storage_batch_put(s->db, b, usage_key, sizeof usage_key - 1, s->scratch.data, s->scratch.len);
}

/* Deletes the disk keys of recorded ranges, a batch at a time (not
 * synced: a crash only leaves more to delete, the range's record stays
 * until its keys are gone), then the record. A failure leaves the range
 * for the next checkpoint. */
typedef struct cleanup {
  sq_state_t *s;
  sq_storage_batch_t *b;
  size_t n;
  bool ok;
  char err[256];
} cleanup_t;

static bool delete_disk_key(void *ctx, const char *key, size_t len) {
  cleanup_t *c = ctx;
  sq_storage_batch_delete(c->s->db, c->b, key, len);
  ns_usage_t *u = usage_of(c->s, key);
  if (u) u->keys--;
  return ++c->n < CLEANUP_BATCH;
}

static void clean_up_ranges(sq_state_t *s) {
  while (s->n_ranges && s->ranges[s->n_ranges - 1].durable) {
    cleanup_t c = {s, sq_storage_batch_new(s->db), 0, true, ""};
    if (!c.b) return;
    /* as many ranges as one batch holds: thousands of windowed queries
     * close thousands of small ranges per checkpoint, and each batch also
     * carries the usage record of every namespace */
    size_t done = 0; /* ranges whose every key is in the batch */
    while (c.ok && c.n < CLEANUP_BATCH && done < s->n_ranges && s->ranges[s->n_ranges - 1 - done].durable) {
      const removed_range_t *r = &s->ranges[s->n_ranges - 1 - done];
      c.ok = sq_storage_keys(s->db, r->prefix, r->len, NULL, 0, delete_disk_key, &c, c.err, sizeof c.err);
      if (!c.ok || c.n >= CLEANUP_BATCH) break;
      /* all its keys are in: the range's record goes with them */
      sq_buf_clear(&s->scratch);
      sq_buf_append(&s->scratch, range_key, sizeof range_key - 1);
      sq_buf_append(&s->scratch, r->prefix, r->len);
      sq_storage_batch_delete(s->db, c.b, s->scratch.data, s->scratch.len);
      done++;
    }
    put_usage(s, c.b);
    c.ok = c.ok && sq_storage_write(s->db, c.b, false, c.err, sizeof c.err);
    sq_storage_batch_free(s->db, c.b);
    if (!c.ok) return;
    for (; done; done--) free(s->ranges[--s->n_ranges].prefix);
  }
}

static int by_entry_key(const void *a, const void *b) {
  const entry_t *x = *(entry_t *const *)a, *y = *(entry_t *const *)b;
  key_ref_t kx = {entry_key(x), x->key_len}, ky = {entry_key(y), y->key_len};
  return by_key(&kx, &ky);
}

bool sq_state_commit(sq_state_t *s, const void *meta, size_t meta_len, sq_state_commit_stats_t *stats, char *err, size_t err_size) {
  *stats = (sq_state_commit_stats_t){0};
  if (!s->db) return true;
  /* in key order: LevelDB's memtable takes sorted inserts several times
   * faster than hash order (a 1M-key checkpoint: 2.2 s before) */
  size_t n = 0;
  for (size_t i = 0; i < s->cap; i++) {
    entry_t *e = s->slots[i];
    if (!e || e == TOMBSTONE || !(e->flags & DIRTY)) continue;
    if (n == s->dirty_cap) {
      size_t cap = s->dirty_cap ? s->dirty_cap * 2 : 1024;
      entry_t **v = realloc(s->dirty, cap * sizeof *v);
      if (!v) return snprintf(err, err_size, "out of memory"), false;
      s->dirty = v;
      s->dirty_cap = cap;
    }
    s->dirty[n++] = e;
  }
  if (n) qsort(s->dirty, n, sizeof *s->dirty, by_entry_key);
  sq_storage_batch_t *b = sq_storage_batch_new(s->db);
  if (!b) return snprintf(err, err_size, "out of memory"), false;
  for (size_t i = 0; i < n; i++) {
    entry_t *e = s->dirty[i];
    if (e->flags & DELETED) {
      sq_storage_batch_delete(s->db, b, entry_key(e), e->key_len);
      stats->deleted++;
      continue;
    }
    encode_entry(s, e);
    sq_storage_batch_put(s->db, b, entry_key(e), e->key_len, s->scratch.data, s->scratch.len);
    stats->written++;
    stats->bytes += e->key_len + s->scratch.len;
  }
  put_usage(s, b);
  stats->bytes += meta_len + s->scratch.len;
  sq_storage_batch_put(s->db, b, meta_key, sizeof meta_key - 1, meta, meta_len);
  for (size_t i = 0; i < s->n_ranges; i++) {
    if (s->ranges[i].durable) continue;
    sq_buf_clear(&s->scratch);
    sq_buf_append(&s->scratch, range_key, sizeof range_key - 1);
    sq_buf_append(&s->scratch, s->ranges[i].prefix, s->ranges[i].len);
    sq_storage_batch_put(s->db, b, s->scratch.data, s->scratch.len, "", 0);
  }
  bool ok = !s->scratch.failed && sq_storage_write(s->db, b, true, err, err_size);
  if (s->scratch.failed) snprintf(err, err_size, "out of memory");
  sq_storage_batch_free(s->db, b);
  if (!ok) return false;
  for (size_t i = 0; i < s->cap; i++) {
    entry_t *e = s->slots[i];
    if (!e || e == TOMBSTONE || !(e->flags & DIRTY)) continue;
    if (e->flags & DELETED) drop(s, i);
    else e->flags = (uint8_t)((e->flags & ~DIRTY) | ON_DISK);
  }
  s->dirty_bytes = 0;
  s->sweep_exhausted = false;
  for (size_t i = 0; i < s->n_ranges; i++) s->ranges[i].durable = true;
  clean_up_ranges(s);
  return true;
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
  return true;
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
  if (!sq_storage_keys(s->db, range_key, sizeof range_key - 1, NULL, 0, note_range, s, err, err_size)) return false;
  clean_up_ranges(s); /* what a stop interrupted */
  return true;
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
  if (db && !open_db(s, err, err_size)) {
    sq_state_destroy(s);
    return NULL;
  }
  return s;
}

void sq_state_destroy(sq_state_t *s) {
  if (!s) return;
  for (size_t i = 0; i < s->cap; i++)
    if (s->slots[i] && s->slots[i] != TOMBSTONE) drop(s, i);
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
