/* The file sink: one record per line, JSON objects or CSV with a header.
 * Rows are buffered and written once per engine round (or every 256 KiB),
 * and flush() also fsyncs, so a flushed file is on disk; a checkpoint
 * writes the buffer (barrier) and fsyncs on its writer thread (durable)
 * while the engine goes on writing after it. The file is
 * opened without truncation: when the pipeline starts, resume() cuts it
 * to the length the last checkpoint recorded (to nothing on a fresh
 * start), so output written after that checkpoint is written again, once. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/buf.h"
#include "runtime/kit/crash_point.h"
#include "engine/format.h"
#include "runtime/kit/options.h"
#include "runtime/connectors/file/file.h"

#define FLUSH_AT (256u << 10)

typedef struct sq_sink_file {
  sq_sink_t base;
  int fd;
  char *path;
  bool csv, header_written;
  bool synced; /* nothing written since the last fsync: every query writing
                * here flushes at the end, and one fsync serves them all */
  bool sync_due; /* the checkpoint being written must fsync (its writer thread's) */
  sq_buf_t buf;
  sq_json_keys_t keys;
  int64_t written; /* bytes in the file */
} sq_sink_file_t;

static bool write_all(sq_sink_file_t *f, char *err, size_t err_size) {
  size_t done = 0;
  while (done < f->buf.len) {
    ssize_t n = write(f->fd, f->buf.data + done, f->buf.len - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      snprintf(err, err_size, "cannot write %s: %s", f->path, strerror(errno));
      return false;
    }
    done += (size_t)n;
    f->written += n;
    f->synced = false;
    sq_crash_point("sink-write");
  }
  sq_buf_clear(&f->buf);
  return true;
}

static bool file_write(sq_sink_t *s, const sq_relation_t *schema, const sq_value_t *row, char *err, size_t err_size) {
  sq_sink_file_t *f = (sq_sink_file_t *)s;
  if (f->csv && !f->header_written) {
    sq_encode_csv_header(&f->buf, schema);
    sq_buf_putc(&f->buf, '\n');
    f->header_written = true;
  }
  if (f->csv) sq_encode_csv(&f->buf, schema, row);
  else sq_encode_json(&f->buf, &f->keys, schema, row);
  sq_buf_putc(&f->buf, '\n');
  if (f->buf.failed) return snprintf(err, err_size, "out of memory"), false;
  return f->buf.len < FLUSH_AT || write_all(f, err, err_size);
}

static bool file_flush(sq_sink_t *s, char *err, size_t err_size) {
  sq_sink_file_t *f = (sq_sink_file_t *)s;
  if (!write_all(f, err, err_size)) return false;
  if (f->synced) return true;
  if (fsync(f->fd) != 0) return snprintf(err, err_size, "cannot sync %s: %s", f->path, strerror(errno)), false;
  f->synced = true;
  return true;
}

static bool file_barrier(sq_sink_t *s, char *err, size_t err_size) {
  sq_sink_file_t *f = (sq_sink_file_t *)s;
  if (!write_all(f, err, err_size)) return false;
  f->sync_due = !f->synced;
  f->synced = true; /* by durable(), before the checkpoint counts on it */
  return true;
}

static bool file_durable(sq_sink_t *s, char *err, size_t err_size) {
  sq_sink_file_t *f = (sq_sink_file_t *)s;
  if (f->sync_due && fsync(f->fd) != 0) return snprintf(err, err_size, "cannot sync %s: %s", f->path, strerror(errno)), false;
  return true;
}

static bool file_poll(sq_sink_t *s, char *err, size_t err_size) {
  sq_sink_file_t *f = (sq_sink_file_t *)s;
  return f->buf.len == 0 || write_all(f, err, err_size);
}

static void file_destroy(sq_sink_t *s) {
  sq_sink_file_t *f = (sq_sink_file_t *)s;
  if (f->fd >= 0) close(f->fd);
  sq_buf_free(&f->buf);
  sq_json_keys_free(&f->keys);
  free(f->path);
  free(f);
}

static void file_save(sq_sink_t *s, sq_buf_t *out) { sq_put_i64(out, ((const sq_sink_file_t *)s)->written); }

static bool file_resume(sq_sink_t *s, sq_cursor_t *in, sq_checkpoint_id_t id, char *err, size_t err_size) {
  (void)id;
  sq_sink_file_t *f = (sq_sink_file_t *)s;
  int64_t length = in ? sq_get_i64(in) : 0;
  if (length < 0 || (in && in->failed)) return snprintf(err, err_size, "corrupt checkpoint record"), false;
  struct stat st;
  if (fstat(f->fd, &st) != 0) return snprintf(err, err_size, "cannot stat %s: %s", f->path, strerror(errno)), false;
  if (st.st_size < length) {
    snprintf(err, err_size, "%s is shorter (%lld bytes) than the last checkpoint recorded (%lld bytes): it was changed "
             "outside streamq; use --reset-state to start over", f->path, (long long)st.st_size, (long long)length);
    return false;
  }
  if (ftruncate(f->fd, length) != 0 || lseek(f->fd, length, SEEK_SET) < 0)
    return snprintf(err, err_size, "cannot truncate %s: %s", f->path, strerror(errno)), false;
  f->written = length;
  f->synced = false; /* the cut is synced by the next flush */
  f->header_written = length > 0;
  return true;
}

static const sq_sink_class_t file_class = {file_write, file_flush,  file_destroy, file_poll,    file_save,
                                           file_resume, NULL, file_barrier, file_durable, NULL};

/* mkdir -p of the directories above `path`. */
static bool make_parents(char *path) {
  for (char *p = path + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    bool ok = mkdir(path, 0777) == 0 || errno == EEXIST;
    *p = '/';
    if (!ok) return false;
  }
  return true;
}

sq_sink_t *sq_file_sink_open(const sq_relation_t *rel, const sq_relation_t *schema, const struct sq_runtime *rt, char *err, size_t err_size) {
  (void)rt;
  (void)schema;
  sq_sink_file_t *f = calloc(1, sizeof *f);
  if (!f) return snprintf(err, err_size, "out of memory"), NULL;
  f->base.cls = &file_class;
  f->base.name = rel->name;
  f->fd = -1;
  f->csv = sq_option_is(rel, "format", "csv");
  if (!(f->path = sq_option_string(rel, "path", err, err_size))) {
    file_destroy(&f->base);
    return NULL;
  }
  if (!make_parents(f->path) || (f->fd = open(f->path, O_WRONLY | O_CREAT | O_CLOEXEC, 0666)) < 0) {
    snprintf(err, err_size, "sink '%s': cannot open %s: %s", rel->name, f->path, strerror(errno));
    file_destroy(&f->base);
    return NULL;
  }
  return &f->base;
}
