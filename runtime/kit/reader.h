/* Readers feed source relations: they turn a connector's records into
 * batches of rows (declared columns, then the metadata columns) with
 * event times, and keep each partition's largest event time and last
 * row, from which the source's watermark follows by the rule of
 * engine/watermark.h. One file per connector, in
 * runtime/connectors/<name>/. */
#ifndef SQ_READER_H
#define SQ_READER_H

#include "engine/batch.h"
#include "engine/catalog.h"
#include "engine/codec.h"
#include "engine/exec.h"
#include "runtime/kit/bad_records.h"
#include "engine/format.h"
#include "engine/sketches.h"
#include "engine/watermark.h"
#include "runtime/kit/origins.h"

typedef enum sq_read_status { SQ_READ_ROWS, SQ_READ_IDLE, SQ_READ_END, SQ_READ_ERROR } sq_read_status_t;

typedef struct sq_reader sq_reader_t;

typedef struct sq_reader_class {
  /* Fills `out` (cleared first) with up to out->cap rows: ROWS if it got
   * some, IDLE if none are ready now, END when a finite input is over,
   * ERROR after sq_exec_fail. */
  sq_read_status_t (*read)(sq_reader_t *r, sq_batch_t *out, sq_exec_t *exec);
  void (*destroy)(sq_reader_t *r);
  /* Checkpoints: the connector's own position beyond the partition table
   * (a file's byte offset, datagen's record count) / moving there on a
   * restart (false with `err`). NULL when the table says it all (Kafka). */
  void (*save)(const sq_reader_t *r, sq_buf_t *out);
  bool (*load)(sq_reader_t *r, sq_cursor_t *in, char *err, size_t err_size);
  /* Tasks: stops delivering partition p / delivers it again from
   * `offset` (-1: the source's start). NULL: no partitions to move. */
  void (*pause)(sq_reader_t *r, uint32_t p);
  void (*resume)(sq_reader_t *r, uint32_t p, int64_t offset);
  /* A source that follows another's assignment (a co-partitioned join):
   * takes partition p (paused) or gives it up. NULL: not possible. */
  void (*follow)(sq_reader_t *r, uint32_t p, bool assigned);
  /* The checkpoint with the positions last saved (saved_offset) is
   * durable (Kafka commits them to the consumer group, for lag
   * monitoring); the reader has read on since. May be NULL. */
  void (*checkpointed)(sq_reader_t *r);
  /* Pre-aggregation's idle cut (engine/preaggregate.h): records, before
   * partition p's open partials are written, that a restart makes the
   * same cut; false when it could not (the cut waits). May be NULL. */
  bool (*record_cut)(sq_reader_t *r, uint32_t p);
  /* The input has an end its partitions lag behind (a Kafka topic's end
   * offsets): the reader keeps streamq_consumer_lag per partition. */
  bool has_lag;
} sq_reader_class_t;

typedef struct sq_reader_partition {
  int64_t lag;               /* records behind the partition's end (readers whose class has_lag), -1 unknown */
  int64_t next_offset;       /* Kafka: the offset after the last record read (or restored), or -1 */
  int64_t saved_offset;      /* next_offset as the checkpoint being written records it */
  int64_t committed_offset;  /* Kafka: the offset last committed to the group, or -1 */
  int64_t committed_ms;      /* Kafka: when it was committed (0: not since the assignment) */
  bool committed_paused;     /* Kafka: the commit said its task was being restored */
  bool paused;               /* delivery paused while its task is restored (sq_reader_pause) */
  uint64_t sampled;          /* records_in at the last skew sample */
  bool assigned;
  int64_t max_event_time;    /* INT64_MIN before the first row */
  int64_t last_row_ms;       /* wall clock of the last row (or of the assignment) */
  uint64_t records_in;
  int64_t watermark;         /* per_partition: this partition's own, monotonic; INT64_MIN at first */
  sq_hotkeys_t *keys;        /* the keys of its rows since the last skew sample (owned; NULL
                              * until assigned, or when the reader has no key columns) */
  sq_origins_t origins;      /* a repartition topic's (reader `marked`): cleared when it comes or goes */
  sq_preagg_origin_t preagg; /* the input of a pre-aggregating stage 1 (reader `preaggregated`) */
  int64_t saved_replay_from, saved_replay_ts; /* preagg's, as the checkpoint being written records them */
} sq_reader_partition_t;

/* A partition above partition.skew.warn_ratio times the mean rate at the
 * last skew sample, with its heaviest keys of that period. */
#define SQ_READER_HOT_PARTITIONS 4
#define SQ_READER_HOT_KEYS 5
typedef struct sq_reader_hot {
  uint32_t partition;
  double ratio; /* its rate over the mean */
  uint32_t n_keys;
  struct {
    char text[128];
    double share; /* of the partition's rows in the period, approximate */
  } keys[SQ_READER_HOT_KEYS];
} sq_reader_hot_t;

struct sq_reader {
  const sq_reader_class_t *cls;
  const sq_relation_t *rel;
  int ts_column;             /* event-time column, or -1 */
  int rowtime_column;
  int64_t watermark_delay;
  int64_t idle_timeout;      /* 0: never idle */
  int64_t watermark;         /* the source's, monotonic; INT64_MIN at first */
  int64_t last_row_ms;       /* wall clock of the last row of this run, or of its first
                              * watermark before one; INT64_MIN before either */
  sq_watermark_fold_t fold;  /* the last fold of the partitions into `watermark`; while */
  bool folded;               /* `folded`, they changed since only by rows read at fold.now */
  sq_reader_partition_t *parts;
  uint32_t n_parts;
  uint64_t records_in;
  bool waits;                /* a read with nothing ready waits for data itself (Kafka) */
  bool may_wait;             /* ... which it may do now: the run loop clears it while another
                              * source has rows (a wait would hold those up) */
  bool caught_up;            /* read up to where the input ended when the run started
                              * (a table is bootstrapped before any stream row is joined) */
  sq_bad_records_t bad;
  double skew_ratio;          /* the busiest partition's rate over the mean, at the last sample */
  double skew_warned_at;      /* monotonic seconds of the last skew warning */
  /* Hot keys: the key of a row is its partitioned_by columns, else the
   * Kafka record key (_key); no columns, no keys counted. */
  int key_cols[SQ_HOTKEYS_VALUES];
  uint32_t n_key_cols;
  uint32_t key_gap, key_rng;  /* rows to the next sampled one; the generator of gaps */
  sq_reader_hot_t hot[SQ_READER_HOT_PARTITIONS]; /* the hottest first */
  uint32_t n_hot;
  bool ended;                 /* its finite input is over (set by the run loop) */
  bool alone;                 /* the run keeps state in this process: the source's group must
                               * have no other member (Kafka) */
  /* Tasks: called before partitions are revoked (Kafka: in the rebalance
   * callback, before they are given up), so that their state is
   * checkpointed before another process can be assigned them. */
  void (*revoking)(void *ctx, const uint32_t *parts, uint32_t n);
  void *revoking_ctx;
  bool per_partition;         /* each partition is a task (docs/ARCHITECTURE.md §8): a row
                               * carries its partition's watermark, not the source's */
  bool marked;                /* a repartition topic: a partition's watermark comes from the
                               * marks of its origins (origins.h), not from its event times */
  uint32_t topic_partitions;  /* Kafka: the partitions its topic has, once known (0 before) */
  bool preaggregated;         /* stage 1 pre-aggregates its rows: a partition is committed at its
                               * segment's start, and resumed from its note (preaggregate.h) */
};

/* The pre-aggregation record of partition p (sq_preagg_origin_fn over a
 * reader): NULL when the reader does not have the partition. */
sq_preagg_origin_t *sq_reader_preagg_origin(void *reader, uint32_t p);

struct sq_runtime;

/* Opens the reader of a source relation; NULL with `err` filled. */
/* `read` flags the columns some query reads (NULL: all); the others are
 * not decoded. */
void sq_reader_destroy(sq_reader_t *r);
/* Sets up the shared fields; a dead-letter topic writes through
 * `producer` (NULL for readers without Kafka). False with `err`. */
bool sq_reader_init(sq_reader_t *r, const sq_reader_class_t *cls, const sq_relation_t *rel, rd_kafka_t *producer,
                    char *err, size_t err_size);
/* sq_reader_init without bad-record handling, which the caller sets up
 * (test fixtures count bad records without writing a dead-letter file). */
void sq_reader_init_fields(sq_reader_t *r, const sq_reader_class_t *cls, const sq_relation_t *rel);
/* The decoder of the source's `format` and `timestamp_format` options for
 * the columns in `read` (NULL: all) and the event-time column; a table's
 * every column. NULL when memory runs out. */
sq_decoder_t *sq_reader_decoder(const sq_reader_t *r, const bool *read);
/* Marks partition `p` assigned to (or revoked from) this reader; a newly
 * assigned partition counts as active from `now`. False when memory runs
 * out. */
bool sq_reader_assign(sq_reader_t *r, uint32_t p, bool assigned, int64_t now);
/* Called about once a second: the rate of each assigned partition since
 * the last call, kept as the skew ratio (the busiest partition's
 * rate over the mean) and warned about above `warn_ratio` (at most once a
 * minute), naming the busiest partition's heaviest keys. The partitions
 * above `warn_ratio` are kept in `hot` until the next call; every
 * partition's key counts start over (they reflect one period). */
void sq_reader_sample_skew(sq_reader_t *r, double warn_ratio, double now_s);
/* Stamps row `i` of `out`, read from partition `p`: its event time (the
 * timestamp column, else `fallback_ts`; also written to ROWTIME) and the
 * watermark it arrives with. False if the timestamp column is NULL. */
bool sq_reader_stamp(sq_reader_t *r, sq_batch_t *out, uint32_t i, uint32_t p, int64_t now, int64_t fallback_ts);
/* Counts a row with event time `ts` read from partition `p` at wall-clock
 * time `now`; the watermark it arrives with. */
int64_t sq_reader_observe(sq_reader_t *r, uint32_t p, int64_t ts, int64_t now);
/* A checkpoint's record of the reader: its watermark, each partition's
 * next offset and largest event time, then the connector's position. */
void sq_reader_save(sq_reader_t *r, sq_buf_t *out);
/* Restores what sq_reader_save recorded; false with `err`. */
bool sq_reader_load(sq_reader_t *r, sq_cursor_t *in, char *err, size_t err_size);
/* The source's watermark now (see above); INT64_MIN until it has one. */
int64_t sq_reader_watermark(sq_reader_t *r, int64_t now);
/* Partition p's own watermark now: the rule over that partition alone. */
int64_t sq_reader_partition_watermark(sq_reader_t *r, uint32_t p, int64_t now);
/* Pauses a partition's delivery (a task being restored) / resumes it
 * from `offset` (-1: where the source starts); readers without
 * partitions of their own ignore it. */
void sq_reader_pause(sq_reader_t *r, uint32_t p);
void sq_reader_resume(sq_reader_t *r, uint32_t p, int64_t offset);
void sq_reader_follow(sq_reader_t *r, uint32_t p, bool assigned);

#endif
