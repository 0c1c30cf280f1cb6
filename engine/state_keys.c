/* Collecting keys during a scan to act on them after it: the store may
 * not change while it is scanned. */
#include <string.h>

#include "engine/state.h"

static bool remember_key(void *ctx, const void *key, size_t len, void *value) {
  (void)value;
  sq_buf_t *keys = ctx;
  uint32_t n = (uint32_t)len;
  sq_buf_append(keys, &n, sizeof n);
  sq_buf_append(keys, key, len);
  return !keys->failed;
}

bool sq_state_collect_keys(sq_state_t *s, const sq_state_ns_t *ns, const void *prefix, size_t len, sq_buf_t *keys) {
  return sq_state_scan(s, ns, prefix, len, remember_key, keys);
}

bool sq_state_next_key(const sq_buf_t *keys, size_t *at, const char **key, uint32_t *len) {
  if (*at + sizeof *len > keys->len) return false;
  memcpy(len, keys->data + *at, sizeof *len);
  *key = keys->data + *at + sizeof *len;
  *at += sizeof *len + *len;
  return true;
}
