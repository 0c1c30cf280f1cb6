/* Writing and reading the commit note (commit_note.h). The reader is
 * strict: a note with a missing, repeated or malformed field is not
 * streamq's, and status shows it as foreign rather than guessing. */
#include "runtime/connectors/kafka/commit_note.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define PREFIX "streamq/1 "

void sq_commit_note_self(sq_commit_note_t *n, int64_t started, int64_t every) {
  *n = (sq_commit_note_t){.pid = (int64_t)getpid(), .started = started, .every = every, .from_ts = INT64_MIN, .cut = -1, .read = -1};
  if (gethostname(n->host, sizeof n->host - 1) != 0 || !n->host[0]) snprintf(n->host, sizeof n->host, "unknown");
  for (char *c = n->host; *c; c++)
    if (*c == ' ' || *c == '=' || (unsigned char)*c < 0x21 || (unsigned char)*c > 0x7e) *c = '_';
}

size_t sq_commit_note_format(const sq_commit_note_t *n, char *out, size_t size) {
  int len = snprintf(out, size, PREFIX "host=%s pid=%" PRId64 " started=%" PRId64 " state=%s at=%" PRId64 " every=%" PRId64,
                     n->host, n->pid, n->started, n->restoring ? "restoring" : "running", n->at, n->every);
  if (len >= 0 && (size_t)len < size && n->resumes) {
    int more = n->from_ts == INT64_MIN ? snprintf(out + len, size - (size_t)len, " from_ts=-")
                                       : snprintf(out + len, size - (size_t)len, " from_ts=%" PRId64, n->from_ts);
    if (more > 0) len += more;
  }
  if (len >= 0 && (size_t)len < size && n->cut >= 0) {
    int more = snprintf(out + len, size - (size_t)len, " cut=%" PRId64, n->cut);
    if (more > 0) len += more;
  }
  if (len >= 0 && (size_t)len < size && n->read >= 0) {
    int more = snprintf(out + len, size - (size_t)len, " read=%" PRId64, n->read);
    if (more > 0) len += more;
  }
  if (len < 0) return 0;
  return (size_t)len < size ? (size_t)len : size ? size - 1 : 0;
}

/* A non-negative decimal of `len` bytes into *out. */
static bool number(const char *s, size_t len, int64_t *out) {
  if (len == 0 || len > 18) return false;
  int64_t v = 0;
  for (size_t i = 0; i < len; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

/* An event time: a decimal with an optional '-', or "-" for none. */
static bool event_time(const char *s, size_t len, int64_t *out) {
  if (len == 1 && s[0] == '-') return *out = INT64_MIN, true;
  bool negative = len > 1 && s[0] == '-';
  if (!number(s + negative, len - negative, out)) return false;
  if (negative) *out = -*out;
  return true;
}

/* One `key=value` field into *n; `seen` collects the fields read. */
static bool field(const char *s, size_t len, sq_commit_note_t *n, unsigned *seen) {
  static const char *const keys[] = {"host", "pid", "started", "state", "at", "every", "from_ts", "cut", "read"};
  const char *eq = memchr(s, '=', len);
  if (!eq) return false;
  size_t klen = (size_t)(eq - s), vlen = len - klen - 1;
  const char *v = eq + 1;
  for (unsigned k = 0; k < sizeof keys / sizeof *keys; k++) {
    if (strlen(keys[k]) != klen || memcmp(keys[k], s, klen) != 0) continue;
    if (*seen & 1u << k) return false;
    *seen |= 1u << k;
    switch (k) {
    case 0:
      if (vlen == 0 || vlen >= sizeof n->host || memchr(v, '=', vlen)) return false;
      memcpy(n->host, v, vlen);
      n->host[vlen] = '\0';
      return true;
    case 1: return number(v, vlen, &n->pid);
    case 2: return number(v, vlen, &n->started);
    case 3:
      n->restoring = vlen == 9 && memcmp(v, "restoring", 9) == 0;
      return n->restoring || (vlen == 7 && memcmp(v, "running", 7) == 0);
    case 4: return number(v, vlen, &n->at);
    case 5: return number(v, vlen, &n->every);
    case 6: return (n->resumes = true) && event_time(v, vlen, &n->from_ts);
    case 7: return number(v, vlen, &n->cut);
    default: return number(v, vlen, &n->read);
    }
  }
  return false;
}

bool sq_commit_note_parse(const void *text, size_t len, sq_commit_note_t *out) {
  *out = (sq_commit_note_t){.from_ts = INT64_MIN, .cut = -1, .read = -1};
  const char *s = text;
  size_t plen = strlen(PREFIX);
  if (!s || len <= plen || len >= SQ_COMMIT_NOTE_MAX || memcmp(s, PREFIX, plen) != 0) return false;
  unsigned seen = 0;
  for (size_t i = plen; i < len;) {
    const char *sp = memchr(s + i, ' ', len - i);
    size_t end = sp ? (size_t)(sp - s) : len;
    if (memchr(s + i, '\0', end - i) || !field(s + i, end - i, out, &seen)) return *out = (sq_commit_note_t){0}, false;
    i = end + 1;
  }
  if ((seen & 0x3f) != 0x3f) *out = (sq_commit_note_t){0};
  return (seen & 0x3f) == 0x3f;
}

bool sq_commit_note_stale(const sq_commit_note_t *n, int64_t now) {
  return now - n->at > SQ_COMMIT_NOTE_STALE_FACTOR * (n->every > 0 ? n->every : 1);
}
