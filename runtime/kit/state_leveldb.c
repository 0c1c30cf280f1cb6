/* LevelDB behind the state store. Tuning, measured (bench/README.md, 10M
 * records into 5M groups, 64 MiB cache): a 4 MiB write buffer (LevelDB's
 * default): 16 and 64 MiB were no faster and cost their size twice over
 * in memory (168 / 186 / 253 MB peak RSS); an 8 MiB block cache, because
 * hot state lives in the store's own cache; a Bloom filter, because most
 * misses of that cache are keys that do not exist yet (a new group);
 * Snappy compression: without it the run was 17% slower and the
 * directory 2.8x larger. */
#include "runtime/kit/state_leveldb.h"

#include <dirent.h>
#include <errno.h>
#include <leveldb/c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct sq_leveldb {
  sq_storage_t base;
  leveldb_t *db;
  leveldb_options_t *options;
  leveldb_cache_t *cache;
  leveldb_filterpolicy_t *filter;
  leveldb_readoptions_t *read;
  leveldb_writeoptions_t *write, *write_unsynced;
} sq_leveldb_t;

struct sq_storage_batch {
  leveldb_writebatch_t *wb;
};

static const sq_storage_class_t leveldb_class;
static void leveldb_close_db(sq_storage_t *s);

/* Moves a LevelDB error into `err` (prefixed) and frees it. */
static void take_error(char *lerr, const char *what, char *err, size_t err_size) {
  snprintf(err, err_size, "%s: %s", what, lerr);
  leveldb_free(lerr);
}

/* Whether `name` is a file LevelDB makes: LOCK, LOG, LOG.old,
 * MANIFEST-<n>, <n>.log, <n>.ldb, <n>.sst, <n>.dbtmp. */
static bool leveldb_file(const char *name) {
  if (strcmp(name, "LOCK") == 0 || strcmp(name, "LOG") == 0 || strcmp(name, "LOG.old") == 0) return true;
  bool manifest = strncmp(name, "MANIFEST-", 9) == 0;
  const char *n = name + (manifest ? 9 : 0), *rest = n + strspn(n, "0123456789");
  if (rest == n) return false;
  if (manifest) return *rest == '\0';
  return strcmp(rest, ".log") == 0 || strcmp(rest, ".ldb") == 0 || strcmp(rest, ".sst") == 0 || strcmp(rest, ".dbtmp") == 0;
}

/* 1 if `dir` holds a LevelDB (a CURRENT file), 0 if it is missing or
 * empty, 2 if it holds only files LevelDB makes but no CURRENT (a creation
 * killed before it finished: nothing of streamq's was ever written
 * there), -1 if it holds something else, -2 if it cannot be read (errno). */
static int probe(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return errno == ENOENT ? 0 : -2;
  int found = 0;
  for (struct dirent *e; (e = readdir(d));) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    if (strcmp(e->d_name, "CURRENT") == 0) {
      found = 1;
      break;
    }
    if (found != -1) found = leveldb_file(e->d_name) ? 2 : -1;
  }
  closedir(d);
  return found;
}

/* mkdir -p */
static bool make_dirs(const char *dir) {
  char path[4096];
  snprintf(path, sizeof path, "%s", dir);
  for (char *p = path + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    bool ok = mkdir(path, 0777) == 0 || errno == EEXIST;
    *p = '/';
    if (!ok) return false;
  }
  return mkdir(path, 0777) == 0 || errno == EEXIST;
}

static leveldb_options_t *make_options(sq_leveldb_t *db) {
  leveldb_options_t *o = leveldb_options_create();
  db->cache = leveldb_cache_create_lru(8u << 20);
  db->filter = leveldb_filterpolicy_create_bloom(10);
  leveldb_options_set_cache(o, db->cache);
  leveldb_options_set_filter_policy(o, db->filter);
  leveldb_options_set_write_buffer_size(o, 4u << 20);
  leveldb_options_set_compression(o, leveldb_snappy_compression);
  leveldb_options_set_paranoid_checks(o, 1);
  return o;
}

/* Why LevelDB could not open `dir`, into `err` (frees `lerr`). A
 * directory streamq cannot write fails at its LOCK file like one whose
 * lock another process holds, so which of the two it is comes from the
 * directory itself; LevelDB words a held lock "lock <path>: ...", a LOCK
 * file it could not open "<path>: ...". */
static void open_error(const char *dir, char *lerr, char *err, size_t err_size) {
  if (access(dir, W_OK) != 0 && (errno == EROFS || errno == EACCES || errno == EPERM)) {
    snprintf(err, err_size, "the state directory %s is read-only (%s): streamq writes its state and checkpoints there", dir,
             strerror(errno));
    leveldb_free(lerr);
  } else if (strstr(lerr, "IO error: lock ")) {
    snprintf(err, err_size, "the state directory %s is in use by another streamq process", dir);
    leveldb_free(lerr);
  } else {
    char what[4200];
    snprintf(what, sizeof what, "cannot open the state directory %s", dir);
    take_error(lerr, what, err, err_size);
  }
}

sq_storage_t *sq_leveldb_open(const char *dir, char *err, size_t err_size) {
  int existing = probe(dir);
  if (existing == 2 && !sq_leveldb_remove(dir, err, err_size)) return NULL;
  if (existing == 2) existing = 0; /* the creation starts over */
  if (existing == -2) return snprintf(err, err_size, "cannot read the state directory %s: %s", dir, strerror(errno)), NULL;
  if (existing < 0) {
    snprintf(err, err_size, "%s is not a streamq state directory (it holds other files and no LevelDB CURRENT file)", dir);
    return NULL;
  }
  if (!existing && !make_dirs(dir)) {
    snprintf(err, err_size, "cannot create the state directory %s: %s", dir, strerror(errno));
    return NULL;
  }
  sq_leveldb_t *db = calloc(1, sizeof *db);
  if (!db) return snprintf(err, err_size, "out of memory"), NULL;
  db->base.cls = &leveldb_class;
  db->options = make_options(db);
  leveldb_options_set_create_if_missing(db->options, !existing);
  db->read = leveldb_readoptions_create();
  leveldb_readoptions_set_verify_checksums(db->read, 1);
  db->write = leveldb_writeoptions_create();
  leveldb_writeoptions_set_sync(db->write, 1);
  db->write_unsynced = leveldb_writeoptions_create();
  char *lerr = NULL;
  db->db = leveldb_open(db->options, dir, &lerr);
  if (lerr) {
    open_error(dir, lerr, err, err_size);
    leveldb_close_db(&db->base);
    return NULL;
  }
  return &db->base;
}

static void leveldb_close_db(sq_storage_t *s) {
  sq_leveldb_t *db = (sq_leveldb_t *)s;
  if (db->db) leveldb_close(db->db);
  leveldb_options_destroy(db->options);
  leveldb_cache_destroy(db->cache);
  leveldb_filterpolicy_destroy(db->filter);
  leveldb_readoptions_destroy(db->read);
  leveldb_writeoptions_destroy(db->write);
  leveldb_writeoptions_destroy(db->write_unsynced);
  free(db);
}

bool sq_leveldb_remove(const char *dir, char *err, size_t err_size) {
  if (probe(dir) == 0) return true;
  leveldb_options_t *o = leveldb_options_create();
  char *lerr = NULL;
  leveldb_destroy_db(o, dir, &lerr);
  leveldb_options_destroy(o);
  if (lerr) {
    take_error(lerr, "cannot reset the state directory", err, err_size);
    return false;
  }
  return true;
}

static int leveldb_get_value(sq_storage_t *s, const void *key, size_t len, sq_buf_t *out, char *err, size_t err_size) {
  sq_leveldb_t *db = (sq_leveldb_t *)s;
  char *lerr = NULL;
  size_t vlen;
  char *v = leveldb_get(db->db, db->read, key, len, &vlen, &lerr);
  if (lerr) {
    take_error(lerr, "state read failed", err, err_size);
    return -1;
  }
  if (!v) return 0;
  sq_buf_clear(out);
  sq_buf_append(out, v, vlen);
  leveldb_free(v);
  if (out->failed) return snprintf(err, err_size, "out of memory reading state"), -1;
  return 1;
}

static bool leveldb_keys(sq_storage_t *s, const void *prefix, size_t len, const void *from, size_t from_len,
                         bool (*visit)(void *ctx, const char *key, size_t len), void *ctx, char *err, size_t err_size) {
  sq_leveldb_t *db = (sq_leveldb_t *)s;
  leveldb_iterator_t *it = leveldb_create_iterator(db->db, db->read);
  bool go = true;
  for (leveldb_iter_seek(it, from ? from : prefix, from ? from_len : len); go && leveldb_iter_valid(it); leveldb_iter_next(it)) {
    size_t klen;
    const char *k = leveldb_iter_key(it, &klen);
    if (klen < len || memcmp(k, prefix, len) != 0) break;
    go = visit(ctx, k, klen);
  }
  char *lerr = NULL;
  leveldb_iter_get_error(it, &lerr);
  leveldb_iter_destroy(it);
  if (lerr) {
    take_error(lerr, "state read failed", err, err_size);
    return false;
  }
  return true;
}

static sq_storage_batch_t *leveldb_batch_new(sq_storage_t *s) {
  (void)s;
  sq_storage_batch_t *b = malloc(sizeof *b);
  if (b) b->wb = leveldb_writebatch_create();
  return b;
}

static void leveldb_batch_put(sq_storage_batch_t *b, const void *key, size_t klen, const void *value, size_t vlen) {
  leveldb_writebatch_put(b->wb, key, klen, value, vlen);
}

static void leveldb_batch_delete(sq_storage_batch_t *b, const void *key, size_t klen) { leveldb_writebatch_delete(b->wb, key, klen); }

static bool leveldb_write_batch(sq_storage_t *s, sq_storage_batch_t *b, bool sync, char *err, size_t err_size) {
  sq_leveldb_t *db = (sq_leveldb_t *)s;
  char *lerr = NULL;
  leveldb_write(db->db, sync ? db->write : db->write_unsynced, b->wb, &lerr);
  if (lerr) {
    take_error(lerr, sync ? "checkpoint write failed" : "state cleanup failed", err, err_size);
    return false;
  }
  return true;
}

static void leveldb_batch_free(sq_storage_batch_t *b) {
  leveldb_writebatch_destroy(b->wb);
  free(b);
}

static const sq_storage_class_t leveldb_class = {leveldb_get_value, leveldb_keys,        leveldb_batch_new,  leveldb_batch_put,
                                                 leveldb_batch_delete, leveldb_write_batch, leveldb_batch_free, leveldb_close_db};
