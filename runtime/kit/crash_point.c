/* Crash points armed from STREAMQ_CRASH_POINT (see crash_point.h); the
 * engine reaches them through sq_exec_t.crash_point. The engine and the
 * checkpoint writer thread both pass crash points: arming happens once,
 * the countdown is atomic. */
#include "runtime/kit/crash_point.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static struct {
  bool armed;
  char name[64];
  atomic_long remaining;
} point;
static pthread_once_t armed_once = PTHREAD_ONCE_INIT;

static void arm(void) {
  const char *spec = getenv("STREAMQ_CRASH_POINT");
  if (!spec || !*spec) return;
  const char *colon = strchr(spec, ':');
  size_t len = colon ? (size_t)(colon - spec) : strlen(spec);
  if (len >= sizeof point.name) return;
  memcpy(point.name, spec, len);
  point.name[len] = '\0';
  atomic_store(&point.remaining, colon ? strtol(colon + 1, NULL, 10) : 1);
  point.armed = true;
}

void sq_crash_point(const char *name) {
  pthread_once(&armed_once, arm);
  if (!point.armed || strcmp(name, point.name) != 0) return;
  if (atomic_fetch_sub(&point.remaining, 1) <= 1) raise(SIGKILL);
}
