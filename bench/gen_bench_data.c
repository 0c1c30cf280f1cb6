/* Benchmark input: N bid-like JSON records of about 100 bytes each, 1,000
 * keys, event times 1 ms apart with up to 500 ms of disorder, fixed seed.
 * Usage: gen_bench_data N > bids.jsonl */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 1000000;
  uint64_t s = 88172645463325252ull;
  const int64_t base = INT64_C(1767225600000);
  for (long i = 0; i < n; i++) {
    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
    int64_t ts = base + i - (int64_t)(s % 500);
    printf("{\"auction\":%" PRIu64 ",\"bidder\":%" PRIu64 ",\"price\":%" PRIu64 ",\"channel\":\"c%" PRIu64 "\",\"ts\":%" PRId64 "}\n",
           1000 + s % 1000, 5000 + (s >> 20) % 100000, 100 + (s >> 40) % 1000000, (s >> 8) % 8, ts);
  }
  return 0;
}
