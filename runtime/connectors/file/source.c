/* The file source: one record per line, JSON or CSV (the first CSV line is
 * the header). The file is read in large blocks; rows point into the block,
 * which stays put until the batch has been processed. follow = false reads
 * to the end (a last line without a newline counts); follow = true waits
 * for more, and only takes lines once their newline has arrived. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "runtime/kit/clock.h"
#include "engine/format.h"
#include "runtime/kit/options.h"
#include "runtime/connectors/file/file.h"

#define BLOCK (1u << 20)
#define MAX_RECORD (64u << 20)

typedef struct sq_reader_file {
  sq_reader_t base;
  int fd;
  char *path;
  bool follow, eof, header_pending;
  char *buf;
  size_t cap, start, len; /* unread bytes are buf[start, len) */
  int64_t buf_pos;        /* the file offset of buf[0] */
  int64_t resume_at;      /* a CSV file restarting from a checkpoint: where to go after the header */
  uint64_t line, resume_line;
  uint32_t n_declared;
  sq_decoder_t *decoder;
} sq_reader_file_t;

/* Moves unread bytes to the front and reads more; false on a read error. */
static bool refill(sq_reader_file_t *f, sq_exec_t *exec) {
  if (f->start > 0) {
    memmove(f->buf, f->buf + f->start, f->len - f->start);
    f->len -= f->start;
    f->buf_pos += (int64_t)f->start;
    f->start = 0;
  }
  if (f->len == f->cap) {
    if (f->cap >= MAX_RECORD) return sq_exec_fail(exec, "source '%s': a line of %s is longer than %u bytes", f->base.rel->name, f->path, MAX_RECORD);
    char *bigger = realloc(f->buf, f->cap * 2);
    if (!bigger) return sq_exec_fail(exec, "out of memory reading %s", f->path);
    f->buf = bigger;
    f->cap *= 2;
  }
  ssize_t n = read(f->fd, f->buf + f->len, f->cap - f->len);
  if (n < 0) return sq_exec_fail(exec, "source '%s': cannot read %s: %s", f->base.rel->name, f->path, strerror(errno));
  f->eof = n == 0;
  f->len += (size_t)n;
  return true;
}

/* The next complete line (without its line break, nor the UTF-8 byte-order
 * mark an editor may put at the start of a file) or false if none is
 * available yet. */
static bool next_line(sq_reader_file_t *f, const char **line, size_t *len) {
  const char *p = f->buf + f->start;
  size_t avail = f->len - f->start;
  const char *nl = memchr(p, '\n', avail);
  if (!nl) {
    if (!(f->eof && !f->follow && avail > 0)) return false;
    nl = p + avail; /* a last line without a newline */
  }
  *line = p;
  *len = (size_t)(nl - p);
  if (*len && p[*len - 1] == '\r') (*len)--;
  if (f->buf_pos + (int64_t)f->start == 0 && *len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) {
    *line += 3;
    *len -= 3;
  }
  f->start = (size_t)(nl - f->buf) + (nl < f->buf + f->len);
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
  f->buf_pos = offset;
  f->start = f->len = 0;
  f->eof = false;
  f->line = line;
  f->resume_at = 0;
  return true;
}

static sq_read_status_t file_read(sq_reader_t *r, sq_batch_t *out, sq_exec_t *exec) {
  sq_reader_file_t *f = (sq_reader_file_t *)r;
  out->n = 0;
  int64_t now = sq_clock_ms();
  bool refilled = false;
  while (out->n < out->cap) {
    const char *line;
    size_t len;
    if (!next_line(f, &line, &len)) {
      /* Refill only into an empty batch: rows point into the buffer. A
       * finite file is read until a line or its end; a tailed file gets
       * one read per call. */
      if (out->n > 0 || (f->eof && !f->follow) || (f->follow && refilled)) break;
      if (!refill(f, exec)) return SQ_READ_ERROR;
      refilled = true;
      continue;
    }
    if (len == 0) continue;
    char err[256];
    if (f->header_pending) {
      f->header_pending = false;
      if (!sq_decoder_header(f->decoder, line, len, err, sizeof err)) {
        sq_exec_fail(exec, "source '%s': %s:%llu: %s", r->rel->name, f->path, (unsigned long long)f->line, err);
        return SQ_READ_ERROR;
      }
      if (f->resume_at && !seek(f, f->resume_at, f->resume_line, err, sizeof err)) {
        sq_exec_fail(exec, "source '%s': %s", r->rel->name, err);
        return SQ_READ_ERROR;
      }
      continue;
    }
    sq_value_t *row = sq_batch_row(out, out->n);
    sq_set_null(row + f->n_declared, out->width - f->n_declared); /* the decoder sets the rest */
    bool ok = sq_decode(f->decoder, line, len, row, &exec->arena, err, sizeof err);
    if (ok && !sq_reader_stamp(r, out, out->n, 0, now, now)) {
      snprintf(err, sizeof err, "the event-time column is NULL");
      ok = false;
    }
    if (!ok) {
      char place[512];
      snprintf(place, sizeof place, "%s:%llu", f->path, (unsigned long long)f->line);
      sq_record_origin_t origin = {.place = place};
      if (!sq_bad_record(&r->bad, line, len, err, &origin, exec)) return SQ_READ_ERROR;
      continue;
    }
    out->n++;
  }
  if (out->n > 0) return SQ_READ_ROWS;
  if (f->eof && f->start == f->len) r->caught_up = true;
  if (f->eof && !f->follow && f->start == f->len) return SQ_READ_END;
  return SQ_READ_IDLE;
}

static void file_destroy(sq_reader_t *r) {
  sq_reader_file_t *f = (sq_reader_file_t *)r;
  if (f->fd >= 0) close(f->fd);
  sq_decoder_destroy(f->decoder);
  free(f->buf);
  free(f->path);
  free(f);
}

static void file_save(const sq_reader_t *r, sq_buf_t *out) {
  const sq_reader_file_t *f = (const sq_reader_file_t *)r;
  sq_put_i64(out, f->resume_at ? f->resume_at : f->buf_pos + (int64_t)f->start);
  sq_put_u64(out, f->resume_at ? f->resume_line : f->line);
}

static bool file_load(sq_reader_t *r, sq_cursor_t *in, char *err, size_t err_size) {
  sq_reader_file_t *f = (sq_reader_file_t *)r;
  int64_t offset = sq_get_i64(in);
  uint64_t line = sq_get_u64(in);
  if (in->failed || offset < 0) return snprintf(err, err_size, "corrupt checkpoint record of source '%s'", r->rel->name), false;
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
  if (f->fd < 0) {
    snprintf(err, err_size, "source '%s': cannot open %s: %s", rel->name, f->path, strerror(errno));
    sq_reader_destroy(&f->base);
    return NULL;
  }
  f->follow = sq_option_bool(rel, "follow");
  while (f->n_declared < rel->n_columns && !rel->columns[f->n_declared].metadata) f->n_declared++;
  f->header_pending = sq_option_is(rel, "format", "csv");
  f->cap = BLOCK;
  f->buf = malloc(f->cap);
  f->decoder = sq_reader_decoder(&f->base, read);
  if (!f->buf || !f->decoder) {
    snprintf(err, err_size, "out of memory");
    sq_reader_destroy(&f->base);
    return NULL;
  }
  return &f->base;
}
