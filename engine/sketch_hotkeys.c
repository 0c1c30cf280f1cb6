/* Space-Saving over keys of a few values, in the fixed memory of an
 * sq_hotkeys_t: which keys carry most of a partition's records. TOPK's
 * sketch (sketch_topk.c) keeps whole values and allocates for each new
 * one; this one runs on the read path, so it copies a cut-down key into
 * its counter and finds counters by a 64-bit hash of the whole key. */
#include <string.h>

#include "engine/sketches.h"
#include "engine/value_text.h"

static uint64_t key_hash(const sq_value_t *key, uint32_t n) {
  uint64_t h = 0x51ed27fd1a3b6c4dull;
  for (uint32_t i = 0; i < n; i++) h = sq_value_hash(key[i], h);
  return h;
}

/* The key in at most SQ_HOTKEYS_KEY_BYTES: per value a type byte, then
 * a string's length byte and bytes or a number's 8 bytes. What does not
 * fit is cut (a string at a character boundary), and the rest dropped. */
static void encode_key(sq_hotkey_t *k, const sq_value_t *key, uint32_t n) {
  size_t len = 0;
  k->cut = false;
  k->several = n > 1;
  k->n_values = 0;
  for (uint32_t i = 0; i < n && !k->cut; i++) {
    sq_value_t v = key[i];
    size_t room = SQ_HOTKEYS_KEY_BYTES - len, body = v.type == SQ_TYPE_STRING ? 1 + (size_t)v.u.s.len : v.type == SQ_TYPE_NULL ? 0 : 8;
    if (1 + body > room) {
      k->cut = true;
      if (v.type != SQ_TYPE_STRING || room < 3) break;
      body = room - 1;
    }
    k->key[len++] = (char)v.type;
    k->n_values++;
    if (v.type == SQ_TYPE_STRING) {
      size_t take = body - 1;
      while (take > 0 && take < v.u.s.len && ((unsigned char)v.u.s.p[take] & 0xc0) == 0x80) take--;
      k->key[len++] = (char)take;
      if (take) memcpy(k->key + len, v.u.s.p, take); /* an empty string may have no bytes at all */
      len += take;
    } else if (v.type != SQ_TYPE_NULL) {
      memcpy(k->key + len, &v.u.i, 8);
      len += 8;
    }
  }
}

uint64_t sq_hotkeys_add(sq_hotkeys_t *s, const sq_value_t *key, uint32_t n, uint64_t weight) {
  uint64_t h = key_hash(key, n < SQ_HOTKEYS_VALUES ? n : SQ_HOTKEYS_VALUES);
  s->total += weight;
  for (uint32_t i = 0; i < s->n; i++) {
    if (s->hashes[i] == h) {
      s->counts[i] += weight;
      return s->counts[i] - s->keys[i].error;
    }
  }
  uint32_t at = s->n;
  if (at < SQ_HOTKEYS_COUNTERS) {
    s->n++;
    s->counts[at] = 0;
  } else {
    at = 0;
    for (uint32_t i = 1; i < SQ_HOTKEYS_COUNTERS; i++)
      if (s->counts[i] < s->counts[at]) at = i;
  }
  s->keys[at].error = s->counts[at]; /* the new key inherits the smallest count */
  s->hashes[at] = h;
  s->counts[at] += weight;
  encode_key(&s->keys[at], key, n < SQ_HOTKEYS_VALUES ? n : SQ_HOTKEYS_VALUES);
  return weight;
}

void sq_hotkeys_reset(sq_hotkeys_t *s) {
  s->n = 0;
  s->total = 0;
}

uint32_t sq_hotkeys_top(const sq_hotkeys_t *s, uint32_t *out, uint32_t k) {
  uint32_t n = 0;
  for (uint32_t i = 0; i < s->n; i++) {
    /* insertion into the k heaviest so far; an equal count keeps its place */
    uint32_t at = n < k ? n++ : k;
    for (; at > 0 && s->counts[out[at - 1]] < s->counts[i]; at--)
      if (at < k) out[at] = out[at - 1];
    if (at < k) out[at] = i;
  }
  return n;
}

void sq_hotkeys_text(const sq_hotkey_t *k, sq_buf_t *out) {
  const char *p = k->key;
  if (k->several) sq_buf_putc(out, '(');
  for (uint32_t i = 0; i < k->n_values; i++) {
    if (i) sq_buf_puts(out, ", ");
    sq_value_t v = sq_null();
    v.type = (sq_type_t)*p++;
    if (v.type == SQ_TYPE_STRING) {
      v.u.s.len = (uint8_t)*p++;
      v.u.s.p = p;
      p += v.u.s.len;
    } else if (v.type != SQ_TYPE_NULL) {
      memcpy(&v.u.i, p, 8);
      p += 8;
    }
    if (v.type == SQ_TYPE_NULL) sq_buf_puts(out, "NULL");
    else sq_encode_value(out, v, false);
  }
  if (k->cut) sq_buf_puts(out, "...");
  if (k->several) sq_buf_putc(out, ')');
}
