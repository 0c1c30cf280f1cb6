/* Standard Webhooks signing with OpenSSL's libcrypto: HMAC-SHA256 over
 * "id.timestamp.body", base64-encoded. */
#include "runtime/connectors/http/signing.h"

#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool sq_http_signing_key(const char *secret, unsigned char **key, size_t *key_len) {
  static const char prefix[] = "whsec_";
  bool encoded = strncmp(secret, prefix, sizeof prefix - 1) == 0;
  const char *text = encoded ? secret + sizeof prefix - 1 : secret;
  size_t len = strlen(text);
  *key = malloc(len + 1);
  if (!*key) return false;
  if (!encoded) {
    memcpy(*key, text, len);
    *key_len = len;
    return true;
  }
  /* EVP_DecodeBlock counts the padding as zero bytes: take them off */
  int n = len % 4 == 0 ? EVP_DecodeBlock(*key, (const unsigned char *)text, (int)len) : -1;
  if (n < 0) {
    free(*key);
    *key = NULL;
    return false;
  }
  for (size_t i = len; i > 0 && text[i - 1] == '='; i--) n--;
  *key_len = (size_t)n;
  return true;
}

void sq_http_sign(const unsigned char *key, size_t key_len, const char *id, int64_t timestamp, const char *body, size_t len,
                  char *out) {
  char head[400];
  int head_len = snprintf(head, sizeof head, "%s.%lld.", id, (long long)timestamp);
  if (head_len < 0 || (size_t)head_len >= sizeof head) head_len = (int)sizeof head - 1;
  unsigned char mac[EVP_MAX_MD_SIZE];
  size_t mac_len = 0;
  /* EVP_MAC streams the parts, where one-shot HMAC() would need them joined */
  EVP_MAC *hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
  EVP_MAC_CTX *m = hmac ? EVP_MAC_CTX_new(hmac) : NULL;
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", "SHA256", 0), OSSL_PARAM_construct_end()};
  bool ok = m && EVP_MAC_init(m, key, key_len, params) && EVP_MAC_update(m, (const unsigned char *)head, (size_t)head_len) &&
            EVP_MAC_update(m, (const unsigned char *)body, len) && EVP_MAC_final(m, mac, &mac_len, sizeof mac);
  if (!ok) mac_len = 0;
  EVP_MAC_CTX_free(m);
  EVP_MAC_free(hmac);
  memcpy(out, "v1,", 3);
  EVP_EncodeBlock((unsigned char *)out + 3, mac, (int)mac_len);
}
