/* Read-ahead: a reader decodes its next batch on a second thread while the
 * engine runs the current one. Two slots alternate: the thread fills one
 * while the engine holds the other, and the engine gives a slot back by
 * taking the next one, which it does only once every row pointing into the
 * slot has been processed. What a slot holds (rows, the bytes they point
 * into, an arena) is the reader's; this file only hands slots over. */
#ifndef SQ_READ_AHEAD_H
#define SQ_READ_AHEAD_H

#include <pthread.h>
#include <stdbool.h>

/* Fills `slot` from the reader `ctx`; false when it is the last slot (the
 * input ended, or an error the slot records). */
typedef bool (*sq_read_ahead_fill_t)(void *ctx, void *slot);

typedef struct sq_read_ahead {
  sq_read_ahead_fill_t fill;
  void *ctx;
  void *slots[2];
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t changed;
  bool filled[2]; /* filled and not taken yet */
  int held;       /* the slot the engine holds, or -1 */
  int next;       /* the slot the engine takes next */
  bool stopping;
  bool running;   /* the thread was started and not joined */
} sq_read_ahead_t;

/* Starts a thread filling slots 0, 1, 0, ... (it blocks no signal it
 * should not get: all of them go to the other threads). False, with
 * nothing started, if the thread cannot start. */
bool sq_read_ahead_start(sq_read_ahead_t *ra, sq_read_ahead_fill_t fill, void *ctx, void *slot0, void *slot1);
/* Gives back the slot taken last and waits for the next one, in fill
 * order. Not called again after the slot `fill` said was the last. */
void *sq_read_ahead_take(sq_read_ahead_t *ra);
/* Stops the thread once the slot it is filling is done, and joins it;
 * slots filled ahead are dropped. Nothing when it is not running. */
void sq_read_ahead_stop(sq_read_ahead_t *ra);

#endif
