/* Completion and the topic cache. libedit's readline interface keeps its
 * completer in globals, so this module's state is file-wide: one REPL per
 * process. The cache thread lists topics with its own Kafka client, at
 * start, every REFRESH_S seconds, and soon after the settings change; the
 * completer only copies the last list under the lock. */
#include "runtime/app/repl_complete.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <editline/readline.h>

#include "runtime/connectors/kafka/topics.h"

#define REFRESH_S 5

static struct {
  pthread_t thread;
  bool running, stopping, changed;
  pthread_mutex_t lock;
  pthread_cond_t wake;
  sq_kafka_settings_t kafka; /* a copy; bootstrap NULL: no brokers */
  char **topics;             /* the last list */
  size_t n_topics;
  sq_session_t *session;
  char **matches;            /* the candidates of the completion under way */
  size_t n_matches, next;
} cache = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

static void free_list(char **v, size_t n) {
  for (size_t i = 0; i < n; i++) free(v[i]);
  free(v);
}

static bool copy_settings(sq_kafka_settings_t *to, const sq_kafka_settings_t *from) {
  *to = (sq_kafka_settings_t){0};
  if (!from || !from->bootstrap) return true;
  to->bootstrap = strdup(from->bootstrap);
  to->props = calloc(from->n_props + 1, sizeof *to->props);
  bool ok = to->bootstrap && to->props;
  for (size_t i = 0; ok && i < from->n_props; i++, to->n_props++) {
    to->props[i].key = strdup(from->props[i].key);
    to->props[i].value = strdup(from->props[i].value);
    ok = to->props[i].key && to->props[i].value;
  }
  if (!ok) sq_kafka_settings_free(to);
  return ok;
}

/* One refresh: the topic names, or nothing new when the brokers cannot
 * be reached (the old list stays). */
static void refresh(void) {
  sq_kafka_settings_t kafka;
  pthread_mutex_lock(&cache.lock);
  bool ok = copy_settings(&kafka, &cache.kafka);
  cache.changed = false;
  pthread_mutex_unlock(&cache.lock);
  if (!ok || !kafka.bootstrap) return sq_kafka_settings_free(&kafka);
  char err[256];
  sq_kafka_topic_list_t list = {0};
  rd_kafka_t *rk = sq_kafka_inspector_new(&kafka, err, sizeof err);
  if (rk && sq_kafka_topics(rk, NULL, false, 2000, &list, err, sizeof err)) {
    char **names = calloc(list.n + 1, sizeof *names);
    size_t n = 0;
    for (size_t i = 0; names && i < list.n; i++) {
      names[n] = list.topics[i].name;
      list.topics[i].name = NULL;
      n++;
    }
    pthread_mutex_lock(&cache.lock);
    if (names) {
      free_list(cache.topics, cache.n_topics);
      cache.topics = names;
      cache.n_topics = n;
    }
    pthread_mutex_unlock(&cache.lock);
  }
  if (rk) rd_kafka_destroy(rk);
  sq_kafka_topic_list_free(&list);
  sq_kafka_settings_free(&kafka);
}

static void *run(void *arg) {
  (void)arg;
  pthread_mutex_lock(&cache.lock);
  while (!cache.stopping) {
    pthread_mutex_unlock(&cache.lock);
    refresh();
    pthread_mutex_lock(&cache.lock);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += REFRESH_S;
    while (!cache.stopping && !cache.changed)
      if (pthread_cond_timedwait(&cache.wake, &cache.lock, &until) != 0) break;
  }
  pthread_mutex_unlock(&cache.lock);
  return NULL;
}

void sq_repl_complete_brokers(const sq_kafka_settings_t *kafka) {
  pthread_mutex_lock(&cache.lock);
  bool same = (!kafka || !kafka->bootstrap) ? !cache.kafka.bootstrap
                                            : cache.kafka.bootstrap && strcmp(cache.kafka.bootstrap, kafka->bootstrap) == 0 &&
                                                  cache.kafka.n_props == kafka->n_props;
  if (!same) {
    sq_kafka_settings_free(&cache.kafka);
    copy_settings(&cache.kafka, kafka);
    cache.changed = true;
    pthread_cond_signal(&cache.wake);
  }
  pthread_mutex_unlock(&cache.lock);
}

/* Adds `name` to the candidates if it starts with the prefix (any case),
 * written in the prefix's case for keywords. */
typedef struct collecting {
  const char *prefix;
  size_t len;
  bool upper, quote;
} collecting_t;

static void offer(collecting_t *c, const char *name, bool keyword) {
  if (strncasecmp(name, c->prefix, c->len) != 0) return;
  for (size_t i = 0; i < cache.n_matches; i++)
    if (strncmp(cache.matches[i] + c->quote, name, strlen(name)) == 0 && strlen(cache.matches[i]) == strlen(name) + 2 * c->quote) return;
  char **v = realloc(cache.matches, (cache.n_matches + 1) * sizeof *v);
  if (!v) return;
  cache.matches = v;
  size_t n = strlen(name);
  char *m = malloc(n + 3);
  if (!m) return;
  m[0] = '\'';
  memcpy(m + c->quote, name, n + 1);
  if (c->quote) memcpy(m + n + 1, "'", 2); /* a topic name in quotes comes closed */
  for (size_t i = 0; keyword && c->upper && i < n; i++) m[i] = (char)toupper((unsigned char)m[i]);
  cache.matches[cache.n_matches++] = m;
}

static void offer_name(void *ctx, const char *name) { offer(ctx, name, false); }

static char *next_match(const char *text, int state) {
  (void)text;
  if (state == 0) cache.next = 0;
  return cache.next < cache.n_matches ? strdup(cache.matches[cache.next++]) : NULL;
}

static char **complete(const char *text, int start, int end) {
  (void)start, (void)end;
  free_list(cache.matches, cache.n_matches);
  cache.matches = NULL;
  cache.n_matches = 0;
  collecting_t c = {text, strlen(text), false, text[0] == '\''};
  if (c.quote) c.prefix++, c.len--;
  c.upper = c.len > 0 && isupper((unsigned char)c.prefix[0]);
  if (!c.quote) {
#define SQ_KEYWORD(word, token, category) offer(&c, word, true);
#include "grammar/keywords.h"
#undef SQ_KEYWORD
    sq_session_names(cache.session, offer_name, &c);
  }
  pthread_mutex_lock(&cache.lock);
  for (size_t i = 0; i < cache.n_topics; i++) offer(&c, cache.topics[i], false);
  pthread_mutex_unlock(&cache.lock);
  rl_attempted_completion_over = 1; /* no file names */
  return rl_completion_matches(text, next_match);
}

bool sq_repl_complete_start(sq_session_t *session) {
  cache.session = session;
  rl_attempted_completion_function = complete;
  rl_basic_word_break_characters = " \t\n,;()=<>+-*/|";
  cache.running = pthread_create(&cache.thread, NULL, run, NULL) == 0;
  return cache.running;
}

void sq_repl_complete_stop(void) {
  if (cache.running) {
    pthread_mutex_lock(&cache.lock);
    cache.stopping = true;
    pthread_cond_signal(&cache.wake);
    pthread_mutex_unlock(&cache.lock);
    pthread_join(cache.thread, NULL);
    cache.running = false;
  }
  free_list(cache.topics, cache.n_topics);
  free_list(cache.matches, cache.n_matches);
  sq_kafka_settings_free(&cache.kafka);
  cache.topics = cache.matches = NULL;
  cache.n_topics = cache.n_matches = 0;
}
