/* Standard Webhooks signatures of the http sink (runtime/connectors/http/
 * signing.c) against vectors computed elsewhere: the specification's own,
 * and HMACs made with `openssl dgst -sha256 -hmac` over "id.timestamp.body"
 * (a body with a NUL byte, as a gzip'd one may hold); whsec_ secrets are
 * base64-decoded, with or without padding, and bad ones refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "runtime/connectors/http/signing.h"

/* The signature of `body` (`len` bytes) with `secret`, into `out`. */
static void sign(const char *secret, const char *id, int64_t timestamp, const char *body, size_t len, char *out) {
  unsigned char *key;
  size_t key_len;
  assert_true(sq_http_signing_key(secret, &key, &key_len));
  memset(out, 'X', SQ_HTTP_SIGNATURE_SIZE);
  sq_http_sign(key, key_len, id, timestamp, body, len, out);
  free(key);
}

/* Signatures computed elsewhere: the specification's own vector, then
 * `openssl dgst -sha256 -hmac` over "id.timestamp.body". */
static const struct {
  const char *secret, *id;
  int64_t timestamp;
  const char *body;
  size_t len;
  const char *signature;
} vectors[] = {
    {"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, "{\"test\": 2432232314}", 20,
     "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="},
    /* printf '%s' 'pipe.hook.0-6.1767225600.[{"k":"a","n":1}]' | openssl dgst -sha256 -hmac s3cret -binary | base64 */
    {"s3cret", "pipe.hook.0-6", 1767225600, "[{\"k\":\"a\",\"n\":1}]", 17, "v1,x42X9bhIclzeHhWQNv3VCqpGa+T1Q6TiT6i6YsLL9AI="},
    /* key "streamq" (c3RyZWFtcQ== has two padding characters), a body with a NUL byte:
     * printf 'p.s.7-13.1614265330.a\0b\n' | openssl dgst -sha256 -mac HMAC -macopt hexkey:73747265616d71 -binary | base64 */
    {"whsec_c3RyZWFtcQ==", "p.s.7-13", 1614265330, "a\0b\n", 4, "v1,aqFsNT8WRFSaffRt+sJ3zqNwJzfntFavyOyZ79fE98U="},
};

static void signatures_match_vectors_computed_elsewhere(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof vectors / sizeof *vectors; i++) {
    char out[SQ_HTTP_SIGNATURE_SIZE];
    sign(vectors[i].secret, vectors[i].id, vectors[i].timestamp, vectors[i].body, vectors[i].len, out);
    assert_string_equal(out, vectors[i].signature);
  }
}

static void every_part_is_signed(void **state) {
  (void)state;
  char out[SQ_HTTP_SIGNATURE_SIZE], other[SQ_HTTP_SIGNATURE_SIZE];
  const char body[] = "a\0b\n";
  sign("whsec_c3RyZWFtcQ==", "p.s.7-13", 1614265330, body, sizeof body - 1, out);
  sign("whsec_c3RyZWFtcQ==", "p.s.7-13", 1614265331, body, sizeof body - 1, other);
  assert_string_not_equal(out, other);
  sign("whsec_c3RyZWFtcQ==", "p.s.7-14", 1614265330, body, sizeof body - 1, other);
  assert_string_not_equal(out, other);
  sign("whsec_c3RyZWFtcQ==", "p.s.7-13", 1614265330, body, sizeof body - 2, other);
  assert_string_not_equal(out, other);
  sign("streamq", "p.s.7-13", 1614265330, body, sizeof body - 1, other); /* the decoded key, given plainly */
  assert_string_equal(out, other);
}

static void whsec_secrets_decode_with_any_padding(void **state) {
  (void)state;
  static const struct { const char *secret, *key; } cases[] = {
      {"whsec_YQ==", "a"}, {"whsec_YWI=", "ab"}, {"whsec_YWJj", "abc"}, {"whsec_c3RyZWFtcQ==", "streamq"},
      {"whsec_/+8=", "\xff\xef"}, {"plain text secret", "plain text secret"}, {"whsec", "whsec"}, {"WHSEC_YQ==", "WHSEC_YQ=="},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    unsigned char *key = NULL;
    size_t key_len = 0;
    assert_true(sq_http_signing_key(cases[i].secret, &key, &key_len));
    assert_int_equal(key_len, strlen(cases[i].key));
    assert_memory_equal(key, cases[i].key, key_len);
    free(key);
  }
  static const char *const bad[] = {"whsec_YQ", "whsec_YQ=", "whsec_Y!==", "whsec_YW J", "whsec_YWJj\n"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    unsigned char *key = (unsigned char *)"untouched";
    size_t key_len = 0;
    assert_false(sq_http_signing_key(bad[i], &key, &key_len));
    assert_null(key);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(signatures_match_vectors_computed_elsewhere),
      cmocka_unit_test(every_part_is_signed),
      cmocka_unit_test(whsec_secrets_decode_with_any_padding),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
