/* The note a streamq consumer commits with each partition's offset (the
 * OffsetCommit metadata field): which process holds the partition and in
 * what state, so that `streamq status` can show the whole application
 * from the group's committed offsets alone, on brokers that cannot
 * describe groups too. One line of text, versioned:
 *   streamq/1 host=H pid=N started=S state=running|restoring at=T every=E [from_ts=M] [cut=C] [read=R]
 * (S, T: Unix seconds; E: the most seconds the process goes without
 * committing the partition again). A pre-aggregating stage 1 adds what a
 * restart from the committed offset needs to cut the same partials
 * (engine/preaggregate.h): the largest event time before that offset
 * (M, "-" for none) and an idle cut it made at offset C; and since that
 * offset trails what it has read, how far it has read (R: the lag is
 * counted from there). Far below Kafka's 4096-byte limit. */
#ifndef SQ_KAFKA_COMMIT_NOTE_H
#define SQ_KAFKA_COMMIT_NOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SQ_COMMIT_NOTE_MAX 256 /* the longest note written, with its NUL */
#define SQ_COMMIT_NOTE_STALE_FACTOR 3 /* a note older than this many `every`s: its process may be gone */

typedef struct sq_commit_note {
  char host[65];     /* no spaces nor '=' (replaced by '_'), cut to 64 bytes */
  int64_t pid;
  int64_t started;   /* Unix seconds: when the process started consuming */
  int64_t at;        /* Unix seconds: when the note was committed */
  int64_t every;     /* seconds: the longest gap between its commits */
  bool restoring;    /* the partition's task is being restored (else it runs) */
  bool resumes;      /* it has from_ts */
  int64_t from_ts;   /* INT64_MIN: none */
  int64_t cut;       /* -1: none */
  int64_t read;      /* the offset after the last record read (-1: the committed offset) */
} sq_commit_note_t;

/* This process's note, committed now: host, pid, `started`, `every`;
 * running. */
void sq_commit_note_self(sq_commit_note_t *n, int64_t started, int64_t every);
/* The text of `n` into out[0 .. size) (NUL-terminated, cut to fit);
 * returns its length. */
size_t sq_commit_note_format(const sq_commit_note_t *n, char *out, size_t size);
/* Reads a note from `len` bytes (not NUL-terminated; any bytes at all:
 * other tools write their own metadata). False, with *out cleared, for
 * anything that is not a whole streamq/1 note. */
bool sq_commit_note_parse(const void *text, size_t len, sq_commit_note_t *out);
/* Whether a note is older than SQ_COMMIT_NOTE_STALE_FACTOR times its
 * `every` at Unix second `now`: its process has stopped committing, and
 * may be gone. */
bool sq_commit_note_stale(const sq_commit_note_t *n, int64_t now);

#endif
