/* The file source: one record per line, JSON or CSV (the first CSV line is
 * the header). follow = false reads to the end (a last line without a
 * newline counts); follow = true waits for more, and only takes lines once
 * their newline has arrived. Lines are read and decoded into two slots in
 * turn, each a batch of rows with the bytes they point into; a regular
 * file of some size, not followed, has its next slot filled by a second
 * thread (runtime/kit/read_ahead.h) while the engine runs the current one.
 * What the engine sees (stamps and watermarks, bad records, the position a
 * checkpoint records) happens when it takes a slot, so reading ahead
 * changes nothing but where the decoding runs. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "runtime/kit/clock.h"
#include "engine/format.h"
#include "runtime/kit/options.h"
#include "runtime/kit/read_ahead.h"
#include "runtime/connectors/file/file.h"

#define BLOCK (1u << 20)
/* One read takes what the rest of the batch needs at the mean line
 * length so far, plus some lines (what a batch leaves unread is copied to
 * the next slot), at least READ_MIN and at least the partial line's
 * length (so a long line doubles its bytes each time). */
#define READ_MIN (4u << 10)
#define READ_SPARE 16
#define MAX_RECORD (64u << 20)
/* Smaller inputs are decoded on the engine's thread: a thread would cost
 * more than it saves. */
#define READ_AHEAD_MIN (256 << 10)

/* A line that is not a record (bad JSON or CSV, or a NULL event time),
 * handled when its slot is taken. */
typedef struct bad_line {
  const char *text; /* in the slot's bytes */
  size_t len;
  uint64_t line;
  const char *error; /* in the slot's arena */
  uint32_t row;      /* the slot's rows before it */
} bad_line_t;

typedef struct slot {
  sq_value_t *rows;       /* rows_cap rows of width values, exchanged with the engine's batch when taken */
  uint32_t n;
  char *text;             /* the lines the rows point into */
  size_t cap, start, len; /* unread bytes are text[start, len) */
  int64_t pos;            /* the file offset of text[0] */
  sq_arena_t arena;       /* strings that had escapes */
  bad_line_t *bad;
  uint32_t n_bad, bad_cap;
  int64_t end_offset;     /* the position after the slot's last line, and that line's number */
  uint64_t end_line;
  bool at_eof;            /* took every byte up to the file's end */
  bool more;              /* stopped for room, not for want of input */
  char error[512];        /* why reading failed (the slot is the last), or empty */
} slot_t;

typedef struct sq_reader_file {
  sq_reader_t base;
  char *path;
  bool follow, regular;
  uint32_t n_declared, rows_cap, width;
  /* Filling's (the read-ahead thread's while it runs): */
  int fd;
  bool eof, header_pending;
  int64_t resume_at; /* a CSV file restarting from a checkpoint: where to go after the header */
  uint64_t line, resume_line;
  int64_t seek_pos;  /* where reading goes on when no slot holds unread bytes */
  size_t mean_line;  /* bytes per line of the slot filled last (a guess before) */
  slot_t *last;      /* the slot filled last: the next one starts with its unread bytes */
  sq_decoder_t *decoder;
  /* The engine's: */
  slot_t slots[2];
  int next_slot;     /* without read-ahead: the slot to fill next */
  bool started;      /* slots allocated, read-ahead started or not */
  sq_read_ahead_t ahead;
  int64_t offset;    /* after the last line the engine took: what a checkpoint records */
  uint64_t offset_line;
} sq_reader_file_t;

/* Records why the slot is the last one; false. */
static bool __attribute__((format(printf, 2, 3))) fail(slot_t *s, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(s->error, sizeof s->error, fmt, ap);
  va_end(ap);
  return false;
}

/* Reads more into the slot: into its free end, moving unread bytes to the
 * front first (or growing it for a long line) while nothing points into
 * it yet. False (with the slot's error) on a read error. */
static bool refill(sq_reader_file_t *f, slot_t *s) {
  if (s->n == 0 && s->n_bad == 0 && s->start > 0) {
    memmove(s->text, s->text + s->start, s->len - s->start);
    s->len -= s->start;
    s->pos += (int64_t)s->start;
    s->start = 0;
  }
  if (s->len == s->cap) {
    if (s->cap >= MAX_RECORD) return fail(s, "source '%s': a line of %s is longer than %u bytes", f->base.rel->name, f->path, MAX_RECORD);
    char *bigger = realloc(s->text, s->cap * 2);
    if (!bigger) return fail(s, "out of memory reading %s", f->path);
    s->text = bigger;
    s->cap *= 2;
  }
  size_t want = (f->rows_cap - s->n + READ_SPARE) * f->mean_line;
  if (want < READ_MIN) want = READ_MIN;
  if (want < s->len - s->start) want = s->len - s->start;
  if (want > s->cap - s->len) want = s->cap - s->len;
  ssize_t n = read(f->fd, s->text + s->len, want);
  if (n < 0) return fail(s, "source '%s': cannot read %s: %s", f->base.rel->name, f->path, strerror(errno));
  f->eof = n == 0;
  s->len += (size_t)n;
  return true;
}

/* The next complete line (without its line break, nor the UTF-8 byte-order
 * mark an editor may put at the start of a file) or false if none is
 * available yet. */
static bool next_line(sq_reader_file_t *f, slot_t *s, const char **line, size_t *len) {
  const char *p = s->text + s->start;
  size_t avail = s->len - s->start;
  const char *nl = memchr(p, '\n', avail);
  if (!nl) {
    if (!(f->eof && !f->follow && avail > 0)) return false;
    nl = p + avail; /* a last line without a newline */
  }
  *line = p;
  *len = (size_t)(nl - p);
  if (*len && p[*len - 1] == '\r') (*len)--;
  if (s->pos + (int64_t)s->start == 0 && *len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) {
    *line += 3;
    *len -= 3;
  }
  s->start = (size_t)(nl - s->text) + (nl < s->text + s->len);
  f->line++;
  return true;
}

/* Continues reading at `offset` (a line start), which is line `line`. */
static bool seek(sq_reader_file_t *f, int64_t offset, uint64_t line, char *err, size_t err_size) {
  struct stat st;
  if (fstat(f->fd, &st) != 0 || st.st_size < offset) {
    snprintf(err, err_size, "%s is shorter than the position the last checkpoint recorded (byte %lld): it was replaced; "
             "use --reset-state to start over", f->path, (long long)offset);
    return false;
  }
  if (lseek(f->fd, offset, SEEK_SET) < 0) return snprintf(err, err_size, "cannot seek in %s: %s", f->path, strerror(errno)), false;
  f->seek_pos = offset;
  f->last = NULL;
  f->eof = false;
  f->line = line;
  f->resume_at = 0;
  return true;
}

/* Starts slot s with the unread bytes of the slot filled before it. */
static bool begin(sq_reader_file_t *f, slot_t *s) {
  sq_arena_reset(&s->arena);
  s->n = s->n_bad = 0;
  s->more = false;
  s->error[0] = '\0';
  const slot_t *last = f->last;
  size_t carry = last ? last->len - last->start : 0;
  if (carry > s->cap) {
    char *bigger = realloc(s->text, last->cap);
    if (!bigger) return fail(s, "out of memory reading %s", f->path);
    s->text = bigger;
    s->cap = last->cap;
  }
  if (carry) memcpy(s->text, last->text + last->start, carry);
  s->pos = last ? last->pos + (int64_t)last->start : f->seek_pos;
  s->start = 0;
  s->len = carry;
  return true;
}

static bool add_bad(sq_reader_file_t *f, slot_t *s, const char *text, size_t len, const char *error) {
  if (s->n_bad == s->bad_cap) {
    uint32_t cap = s->bad_cap ? s->bad_cap * 2 : 16;
    bad_line_t *bigger = realloc(s->bad, cap * sizeof *bigger);
    if (!bigger) return false;
    s->bad = bigger;
    s->bad_cap = cap;
  }
  size_t size = strlen(error) + 1;
  char *copy = sq_arena_alloc(&s->arena, size);
  if (!copy) return false;
  memcpy(copy, error, size);
  s->bad[s->n_bad++] = (bad_line_t){.text = text, .len = len, .line = f->line, .error = copy, .row = s->n};
  return true;
}

/* Reads and decodes up to rows_cap rows into slot s (on the read-ahead
 * thread, or the engine's without one); false when s is the last slot. */
static bool fill(void *ctx, void *slot) {
  sq_reader_file_t *f = ctx;
  slot_t *s = slot;
  bool ok = begin(f, s), refilled = false;
  int64_t first_pos = s->pos;
  uint64_t first_line = f->line;
  while (ok && s->n < f->rows_cap) {
    const char *line;
    size_t len;
    if (!next_line(f, s, &line, &len)) {
      /* A finite file is read until a line or its end; a tailed file gets
       * one read per slot. Rows are not kept waiting for a read that may
       * block (a pipe), nor for the slot to move (it is full). */
      bool empty = s->n == 0 && s->n_bad == 0;
      if ((f->eof && !f->follow) || (f->follow && refilled)) break;
      if (!empty && (!f->regular || s->len == s->cap)) {
        s->more = true;
        break;
      }
      ok = refill(f, s);
      refilled = true;
      continue;
    }
    if (len == 0) continue;
    char err[256];
    if (f->header_pending) {
      f->header_pending = false;
      if (!sq_decoder_header(f->decoder, line, len, err, sizeof err)) {
        ok = fail(s, "source '%s': %s:%llu: %s", f->base.rel->name, f->path, (unsigned long long)f->line, err);
      } else if (f->resume_at) {
        /* restarting: what was read after the header is dropped */
        if (!seek(f, f->resume_at, f->resume_line, err, sizeof err)) ok = fail(s, "source '%s': %s", f->base.rel->name, err);
        s->start = s->len = 0;
        s->pos = f->seek_pos;
      }
      continue;
    }
    sq_value_t *row = s->rows + (size_t)s->n * f->width;
    sq_set_null(row + f->n_declared, f->width - f->n_declared); /* the decoder sets the rest */
    bool good = sq_decode(f->decoder, line, len, row, &s->arena, err, sizeof err);
    if (good && sq_reader_lacks_time(&f->base, row)) {
      snprintf(err, sizeof err, "the event-time column is NULL");
      good = false;
    }
    if (good) s->n++;
    else if (!add_bad(f, s, line, len, err)) ok = fail(s, "out of memory reading %s", f->path);
  }
  s->more &= ok;
  int64_t taken = s->pos + (int64_t)s->start - first_pos; /* a CSV header's seek makes it meaningless: only a guess */
  if (f->line > first_line && taken > 0) f->mean_line = (size_t)taken / (f->line - first_line) + 1;
  s->end_offset = s->pos + (int64_t)s->start;
  s->end_line = f->line;
  s->at_eof = f->eof && s->start == s->len;
  f->last = s;
  return ok && !(s->n == 0 && s->at_eof && !f->follow);
}

/* Hands slot s to the engine: its rows into `out`, each stamped with the
 * watermark in force now; its bad lines handled, in their order among
 * the rows. */
static sq_read_status_t take(sq_reader_file_t *f, slot_t *s, sq_batch_t *out, int64_t now, sq_exec_t *exec) {
  sq_reader_t *r = &f->base;
  sq_value_t *rows = out->rows;
  out->rows = s->rows;
  s->rows = rows;
  out->n = s->n;
  uint32_t i = 0;
  for (uint32_t b = 0; b < s->n_bad; b++) {
    const bad_line_t *bad = &s->bad[b];
    for (; i < bad->row; i++) sq_reader_stamp(r, out, i, 0, now, now); /* fill() kept only rows it can stamp */
    char place[512];
    snprintf(place, sizeof place, "%s:%llu", f->path, (unsigned long long)bad->line);
    sq_record_origin_t origin = {.place = place};
    if (!sq_bad_record(&r->bad, bad->text, bad->len, bad->error, &origin, exec)) return SQ_READ_ERROR;
  }
  for (; i < s->n; i++) sq_reader_stamp(r, out, i, 0, now, now);
  if (s->error[0]) return sq_exec_fail(exec, "%s", s->error), SQ_READ_ERROR;
  f->offset = s->end_offset;
  f->offset_line = s->end_line;
  if (out->n > 0) return SQ_READ_ROWS;
  if (s->at_eof) r->caught_up = true;
  if (s->at_eof && !f->follow) return SQ_READ_END;
  return SQ_READ_IDLE;
}

/* The first read: the slots, shaped like the engine's batch (whose rows
 * they exchange), and the read-ahead thread if the input is worth it. */
static bool start(sq_reader_file_t *f, const sq_batch_t *out, sq_exec_t *exec) {
  f->started = true;
  f->rows_cap = out->cap;
  f->width = out->width;
  for (int i = 0; i < 2; i++) {
    slot_t *s = &f->slots[i];
    s->rows = calloc((size_t)out->cap * (out->width ? out->width : 1), sizeof *s->rows);
    s->text = malloc(s->cap = BLOCK);
    if (!s->rows || !s->text) return sq_exec_fail(exec, "out of memory reading %s", f->path);
  }
  struct stat st;
  int64_t at = f->resume_at ? f->resume_at : f->seek_pos;
  if (f->regular && !f->follow && fstat(f->fd, &st) == 0 && st.st_size - at >= READ_AHEAD_MIN)
    sq_read_ahead_start(&f->ahead, fill, f, &f->slots[0], &f->slots[1]); /* else the engine's thread fills them */
  return true;
}

static slot_t *next_slot(sq_reader_file_t *f) {
  if (f->ahead.running) return sq_read_ahead_take(&f->ahead);
  slot_t *s = &f->slots[f->next_slot];
  f->next_slot ^= 1;
  fill(f, s);
  return s;
}

static sq_read_status_t file_read(sq_reader_t *r, sq_batch_t *out, sq_exec_t *exec) {
  sq_reader_file_t *f = (sq_reader_file_t *)r;
  if (!f->started && !start(f, out, exec)) return SQ_READ_ERROR;
  int64_t now = sq_clock_ms();
  for (;;) {
    slot_t *s = next_slot(f);
    sq_read_status_t status = take(f, s, out, now, exec);
    if (status != SQ_READ_IDLE || !s->more) return status; /* a slot of bad lines only: on to the next */
  }
}

static void file_destroy(sq_reader_t *r) {
  sq_reader_file_t *f = (sq_reader_file_t *)r;
  sq_read_ahead_stop(&f->ahead);
  for (int i = 0; i < 2; i++) {
    free(f->slots[i].rows);
    free(f->slots[i].text);
    free(f->slots[i].bad);
    sq_arena_free(&f->slots[i].arena);
  }
  if (f->fd >= 0) close(f->fd);
  sq_decoder_destroy(f->decoder);
  free(f->path);
  free(f);
}

static void file_save(const sq_reader_t *r, sq_buf_t *out) {
  const sq_reader_file_t *f = (const sq_reader_file_t *)r;
  sq_put_i64(out, f->offset);
  sq_put_u64(out, f->offset_line);
}

static bool file_load(sq_reader_t *r, sq_cursor_t *in, char *err, size_t err_size) {
  sq_reader_file_t *f = (sq_reader_file_t *)r;
  int64_t offset = sq_get_i64(in);
  uint64_t line = sq_get_u64(in);
  if (in->failed || offset < 0) return snprintf(err, err_size, "corrupt checkpoint record of source '%s'", r->rel->name), false;
  sq_read_ahead_stop(&f->ahead); /* what it read ahead is dropped; the engine's thread reads on */
  f->offset = offset;
  f->offset_line = line;
  if (!f->header_pending) return seek(f, offset, line, err, err_size);
  f->resume_at = offset; /* after the header, which names the columns */
  f->resume_line = line;
  return true;
}

static const sq_reader_class_t file_class = {.read = file_read, .destroy = file_destroy, .save = file_save, .load = file_load};

sq_reader_t *sq_file_reader_open(const sq_relation_t *rel, const bool *read, const struct sq_runtime *rt, char *err, size_t err_size) {
  (void)rt;
  sq_reader_file_t *f = calloc(1, sizeof *f);
  if (!f) return snprintf(err, err_size, "out of memory"), NULL;
  f->fd = -1;
  if (!sq_reader_init(&f->base, &file_class, rel, NULL, err, err_size) || !(f->path = sq_option_string(rel, "path", err, err_size))) {
    sq_reader_destroy(&f->base);
    return NULL;
  }
  if (!sq_reader_assign(&f->base, 0, true, sq_clock_ms())) {
    snprintf(err, err_size, "out of memory");
    sq_reader_destroy(&f->base);
    return NULL;
  }
  f->fd = open(f->path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (f->fd < 0 || fstat(f->fd, &st) != 0) {
    snprintf(err, err_size, "source '%s': cannot open %s: %s", rel->name, f->path, strerror(errno));
    sq_reader_destroy(&f->base);
    return NULL;
  }
  f->regular = S_ISREG(st.st_mode);
  f->mean_line = 128;
  f->follow = sq_option_bool(rel, "follow");
  while (f->n_declared < rel->n_columns && !rel->columns[f->n_declared].metadata) f->n_declared++;
  f->header_pending = sq_option_is(rel, "format", "csv");
  f->decoder = sq_reader_decoder(&f->base, read);
  if (!f->decoder) {
    snprintf(err, err_size, "out of memory");
    sq_reader_destroy(&f->base);
    return NULL;
  }
  return &f->base;
}
