/* Standard Webhooks signatures (https://www.standardwebhooks.com): a
 * request carries webhook-id, webhook-timestamp and webhook-signature
 * "v1,<base64 HMAC-SHA256(key, id.timestamp.body)>", so a receiver can
 * check that it came from the holder of the secret and is recent. */
#ifndef SQ_HTTP_SIGNING_H
#define SQ_HTTP_SIGNING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The key of `secret`: a "whsec_" secret is base64 that decodes to the
 * key, any other secret is the key's bytes. malloc'd into *key; false if a
 * whsec_ secret is not valid base64 or memory runs out. */
bool sq_http_signing_key(const char *secret, unsigned char **key, size_t *key_len);

/* Writes "v1,<signature>" of `body` for message `id` sent at `timestamp`
 * (unix seconds) into `out` (at least SQ_HTTP_SIGNATURE_SIZE bytes). */
#define SQ_HTTP_SIGNATURE_SIZE 64
void sq_http_sign(const unsigned char *key, size_t key_len, const char *id, int64_t timestamp, const char *body, size_t len,
                  char *out);

#endif
