/* The read-ahead thread and the hand-over of its two slots (a mutex and
 * one condition variable: a hand-over per batch of rows, so the lock is
 * far from hot). */
#include "runtime/kit/read_ahead.h"

#include <signal.h>

/* Whether the thread may fill slot i: neither waiting to be taken nor
 * held by the engine. */
static bool is_free(const sq_read_ahead_t *ra, int i) { return !ra->filled[i] && ra->held != i; }

static void *run(void *arg) {
  sq_read_ahead_t *ra = arg;
  pthread_mutex_lock(&ra->lock);
  for (int i = 0;; i ^= 1) {
    while (!ra->stopping && !is_free(ra, i)) pthread_cond_wait(&ra->changed, &ra->lock);
    if (ra->stopping) break;
    pthread_mutex_unlock(&ra->lock);
    bool more = ra->fill(ra->ctx, ra->slots[i]);
    pthread_mutex_lock(&ra->lock);
    ra->filled[i] = true;
    pthread_cond_broadcast(&ra->changed);
    if (!more) break;
  }
  pthread_mutex_unlock(&ra->lock);
  return NULL;
}

bool sq_read_ahead_start(sq_read_ahead_t *ra, sq_read_ahead_fill_t fill, void *ctx, void *slot0, void *slot1) {
  *ra = (sq_read_ahead_t){.fill = fill, .ctx = ctx, .slots = {slot0, slot1}, .held = -1};
  if (pthread_mutex_init(&ra->lock, NULL) != 0) return false;
  if (pthread_cond_init(&ra->changed, NULL) != 0) {
    pthread_mutex_destroy(&ra->lock);
    return false;
  }
  /* SIGTERM and friends must reach the engine's thread, whose run loop
   * watches for them; the new thread inherits this mask. */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  ra->running = pthread_create(&ra->thread, NULL, run, ra) == 0;
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (!ra->running) {
    pthread_cond_destroy(&ra->changed);
    pthread_mutex_destroy(&ra->lock);
  }
  return ra->running;
}

void *sq_read_ahead_take(sq_read_ahead_t *ra) {
  pthread_mutex_lock(&ra->lock);
  ra->held = -1;
  pthread_cond_broadcast(&ra->changed);
  while (!ra->filled[ra->next]) pthread_cond_wait(&ra->changed, &ra->lock);
  int taken = ra->held = ra->next;
  ra->filled[taken] = false;
  ra->next ^= 1;
  pthread_mutex_unlock(&ra->lock);
  return ra->slots[taken];
}

void sq_read_ahead_stop(sq_read_ahead_t *ra) {
  if (!ra->running) return;
  pthread_mutex_lock(&ra->lock);
  ra->stopping = true;
  pthread_cond_broadcast(&ra->changed);
  pthread_mutex_unlock(&ra->lock);
  pthread_join(ra->thread, NULL);
  pthread_cond_destroy(&ra->changed);
  pthread_mutex_destroy(&ra->lock);
  ra->running = false;
}
