/* The state store's storage on disk (docs/ARCHITECTURE.md §4): one LevelDB
 * per pipeline behind engine/storage.h. It holds what the last checkpoint
 * wrote and nothing else: writes only happen as one synced batch per
 * checkpoint, so the database is always exactly one checkpoint. */
#ifndef SQ_STATE_LEVELDB_H
#define SQ_STATE_LEVELDB_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/storage.h"

/* Opens (creating it if missing or empty) the database in `dir`. A
 * directory that is not a state database, a damaged one, a read-only one,
 * or one in use by another process gives NULL with `err`. Close with sq_storage_close. */
sq_storage_t *sq_leveldb_open(const char *dir, char *err, size_t err_size);
/* Removes the database in `dir` and its files (for --reset-state); false with `err`. */
bool sq_leveldb_remove(const char *dir, char *err, size_t err_size);

#endif
