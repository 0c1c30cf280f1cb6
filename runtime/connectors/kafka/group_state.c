/* A consumer group member's join state from librdkafka's statistics
 * (group_state.h). Only the one field is read: the JSON is not parsed. */
#include "runtime/connectors/kafka/group_state.h"

#include <string.h>

/* Where `word` first starts in json[0, len), or NULL. */
static const char *find(const char *json, size_t len, const char *word) {
  size_t n = strlen(word);
  for (size_t i = 0; i + n <= len; i++)
    if (json[i] == word[0] && memcmp(json + i, word, n) == 0) return json + i;
  return NULL;
}

bool sq_kafka_group_steady(const char *json, size_t len, bool *steady) {
  static const char key[] = "\"join_state\"", value[] = "\"steady\"";
  const char *end = json + len, *at = find(json, len, key);
  if (!at) return false;
  at += sizeof key - 1;
  while (at < end && (*at == ' ' || *at == ':')) at++;
  if (at == end || *at != '"') return false;
  *steady = (size_t)(end - at) >= sizeof value - 1 && memcmp(at, value, sizeof value - 1) == 0;
  return true;
}
