/* Test data for the oracle tests: N events {k, v, d, ts} as JSON lines,
 * with unique event times shuffled within blocks of 500 (so disorder is
 * bounded by 5 seconds), about 5% NULL values, and keys chosen so that
 * per-key gaps vary (some sessions break, most do not).
 * Usage: gen_events N KEYS SEED > events.jsonl */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t next(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: gen_events N KEYS SEED\n");
    return 1;
  }
  long n = atol(argv[1]), keys = atol(argv[2]);
  uint64_t s = (uint64_t)atoll(argv[3]) * 2654435761u + 1;
  const long block = 500;
  long *order = malloc((size_t)n * sizeof *order);
  if (!order) return 1;
  for (long i = 0; i < n; i++) order[i] = i;
  for (long b = 0; b < n; b += block) { /* shuffle each block */
    long len = b + block < n ? block : n - b;
    for (long i = len - 1; i > 0; i--) {
      long j = (long)(next(&s) % (uint64_t)(i + 1)), t = order[b + i];
      order[b + i] = order[b + j];
      order[b + j] = t;
    }
  }
  const int64_t base = INT64_C(1767225600000);
  for (long i = 0; i < n; i++) {
    int64_t ts = base + (int64_t)order[i] * 10;
    long k = (long)(next(&s) % (uint64_t)keys);
    if (next(&s) % 3 == 0) k = k % (keys / 5 + 1); /* a few hot keys */
    printf("{\"k\":\"k%ld\",", k);
    if (next(&s) % 20 == 0) printf("\"v\":null,");
    else printf("\"v\":%" PRId64 ",", (int64_t)(next(&s) % 2001) - 1000);
    printf("\"d\":%.3f,\"ts\":%" PRId64 "}\n", (double)(next(&s) % 100000) / 100.0, ts);
  }
  free(order);
  return 0;
}
