/* Crash points armed from STREAMQ_CRASH_POINT (see crash_point.h); the
 * engine reaches them through sq_exec_t.crash_point. */
#include "runtime/kit/crash_point.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

static struct {
  int armed; /* 0 unknown, 1 armed, -1 off */
  char name[64];
  long remaining;
} point;

static void arm(void) {
  const char *spec = getenv("STREAMQ_CRASH_POINT");
  point.armed = -1;
  if (!spec || !*spec) return;
  const char *colon = strchr(spec, ':');
  size_t len = colon ? (size_t)(colon - spec) : strlen(spec);
  if (len >= sizeof point.name) return;
  memcpy(point.name, spec, len);
  point.name[len] = '\0';
  point.remaining = colon ? strtol(colon + 1, NULL, 10) : 1;
  point.armed = 1;
}

void sq_crash_point(const char *name) {
  if (point.armed == 0) arm();
  if (point.armed < 0 || strcmp(name, point.name) != 0) return;
  if (--point.remaining <= 0) raise(SIGKILL);
}
