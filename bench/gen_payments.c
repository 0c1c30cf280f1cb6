/* Benchmark input shaped like a fraud pipeline's: N card payments as JSON
 * lines of about 100 bytes, grouped later by user, so few events per key
 * per window when KEYS is large. Fixed seed; event times 1 ms apart with up
 * to 500 ms of disorder; about 5% of amounts under 5.00 (card testing).
 * Usage: gen_payments N KEYS > payments.jsonl */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

/* splitmix64: each field draws its own number, so fields are independent */
static uint64_t next(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 1000000;
  uint64_t keys = argc > 2 ? strtoull(argv[2], NULL, 10) : 10000;
  if (n < 0 || keys == 0) {
    fprintf(stderr, "usage: gen_payments N KEYS (KEYS > 0)\n");
    return 1;
  }
  uint64_t s = 20260101;
  const int64_t base = INT64_C(1767225600000);
  for (long i = 0; i < n; i++) {
    uint64_t user = 1000000 + next(&s) % keys;
    uint64_t merchant = next(&s) % 50000;
    uint64_t r = next(&s);
    /* cents: mostly 5.00-204.99, a long tail to 5,000, 5% below 5.00 */
    uint64_t cents = r % 100 < 5 ? 1 + (r >> 8) % 499
                   : r % 100 < 95 ? 500 + (r >> 8) % 20000 : 500 + (r >> 8) % 500000;
    int64_t ts = base + i - (int64_t)(next(&s) % 500);
    /* the card number follows from the user: one card per user */
    printf("{\"user_id\":%" PRIu64 ",\"card\":\"4%015" PRIu64 "\",\"merchant\":\"m%05" PRIu64 "\","
           "\"amount\":%" PRIu64 ".%02" PRIu64 ",\"ts\":%" PRId64 "}\n",
           user, (user * 2654435761u) % UINT64_C(1000000000000000), merchant, cents / 100, cents % 100, ts);
  }
  return 0;
}
