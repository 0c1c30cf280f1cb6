/* `streamq status --group G`: the whole application at a glance, from
 * Kafka's own APIs only: the group's committed offsets, each with the
 * commit note of the process that made it (commit_note.h: who holds the
 * partition, since when, in what state), the partitions' end offsets,
 * and DescribeGroups where the broker has it (librdkafka's development
 * broker does not: then the members come from the notes alone). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/value_text.h"
#include "runtime/app/cli.h"
#include "runtime/app/result_printer.h"
#include "runtime/connectors/kafka/commit_note.h"
#include "runtime/connectors/kafka/topics.h"

#define TIMEOUT_MS 10000
#define MAX_TOPICS 64

typedef struct part_status {
  const char *topic;  /* borrowed from the topic list */
  int32_t partition;
  int64_t committed;  /* -1: none */
  int64_t low, high;
  bool noted;         /* committed with a streamq note */
  bool foreign;       /* committed with other metadata */
  sq_commit_note_t note;
  int member;         /* its note's process in members[], or -1 */
} part_status_t;

/* A process, as its notes describe it. */
typedef struct member {
  const sq_commit_note_t *note; /* its first partition's (host, pid) */
  int64_t started, last_at;
  uint32_t tasks, restoring;
  bool stale;                   /* every note of it is stale */
} member_t;

typedef struct status {
  const char *group;
  int64_t now; /* Unix seconds */
  part_status_t *parts;
  size_t n_parts;
  member_t *members;
  size_t n_members;
  int64_t lag;
  double skew;                   /* 0: no records */
  const struct rd_kafka_group_list *described; /* the DescribeGroups answer (one group), or NULL */
  char not_described[200];       /* why not */
} status_t;

/* ---- reading ---------------------------------------------------------------- */

/* The list's copy of topic `name`, or NULL when it has none. */
static const char *listed(const sq_kafka_topic_list_t *list, const char *name) {
  for (size_t t = 0; t < list->n; t++)
    if (strcmp(list->topics[t].name, name) == 0) return list->topics[t].name;
  return NULL;
}

static bool named(const char *topic, const char *const *topics, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(topics[i], topic) == 0) return true;
  return false;
}

/* The committed offsets of the group on `topics` (all when n_topics is
 * 0), keeping the topics it has committed to (all named ones), with their
 * end offsets. One OffsetFetch for every partition asked about. */
static bool read_offsets(rd_kafka_t *rk, status_t *s, const sq_kafka_topic_list_t *list, const char *const *topics, size_t n_topics,
                         char *err, size_t err_size) {
  for (size_t i = 0; i < n_topics; i++)
    if (!listed(list, topics[i])) return snprintf(err, err_size, "no topic '%s'", topics[i]), false;
  rd_kafka_topic_partition_list_t *asked = rd_kafka_topic_partition_list_new(8);
  for (size_t t = 0; t < list->n; t++)
    for (int32_t p = 0; (!n_topics || named(list->topics[t].name, topics, n_topics)) && p < list->topics[t].n_parts; p++)
      rd_kafka_topic_partition_list_add(asked, list->topics[t].name, p);
  rd_kafka_resp_err_t e = asked->cnt ? rd_kafka_committed(rk, asked, TIMEOUT_MS) : RD_KAFKA_RESP_ERR_NO_ERROR;
  bool ok = !e && (s->parts = calloc((size_t)asked->cnt + 1, sizeof *s->parts));
  if (!ok) snprintf(err, err_size, e ? "cannot read the committed offsets of group '%s': %s" : "out of memory", s->group, rd_kafka_err2str(e));
  for (int first = 0, end; ok && first < asked->cnt; first = end) { /* a topic's partitions are together */
    bool kept = n_topics > 0;
    for (end = first; end < asked->cnt && strcmp(asked->elems[end].topic, asked->elems[first].topic) == 0; end++)
      kept |= asked->elems[end].offset >= 0;
    for (int i = first; kept && ok && i < end; i++) {
      const rd_kafka_topic_partition_t *tp = &asked->elems[i];
      part_status_t *ps = &s->parts[s->n_parts++];
      ps->topic = listed(list, tp->topic);
      ps->partition = tp->partition;
      ps->committed = tp->offset >= 0 ? tp->offset : -1;
      ps->member = -1;
      ps->noted = ps->committed >= 0 && sq_commit_note_parse(tp->metadata, tp->metadata_size, &ps->note);
      ps->foreign = ps->committed >= 0 && !ps->noted && tp->metadata_size > 0;
      e = rd_kafka_query_watermark_offsets(rk, ps->topic, ps->partition, &ps->low, &ps->high, TIMEOUT_MS);
      if (e) ok = snprintf(err, err_size, "cannot read the offsets of %s partition %d: %s", ps->topic, (int)ps->partition, rd_kafka_err2str(e)) < 0;
    }
  }
  rd_kafka_topic_partition_list_destroy(asked);
  return ok;
}

/* A partition's lag: its end offset minus the committed one (-1: nothing
 * committed). */
static int64_t lag_of(const part_status_t *ps) {
  return ps->committed < 0 ? -1 : ps->high > ps->committed ? ps->high - ps->committed : 0;
}

/* The processes of the notes, the lag and the skew. */
static bool summarize(status_t *s) {
  if (!(s->members = calloc(s->n_parts + 1, sizeof *s->members))) return false;
  int64_t total = 0, busiest = 0;
  for (size_t i = 0; i < s->n_parts; i++) {
    part_status_t *ps = &s->parts[i];
    int64_t held = ps->high - ps->low;
    total += held;
    busiest = held > busiest ? held : busiest;
    if (ps->committed >= 0) s->lag += lag_of(ps);
    if (!ps->noted) continue;
    size_t m = 0;
    while (m < s->n_members && !(s->members[m].note->pid == ps->note.pid && strcmp(s->members[m].note->host, ps->note.host) == 0)) m++;
    member_t *mb = &s->members[m];
    bool stale = sq_commit_note_stale(&ps->note, s->now);
    if (m == s->n_members) *mb = (member_t){&ps->note, ps->note.started, ps->note.at, 0, 0, true}, s->n_members++;
    ps->member = (int)m;
    mb->tasks++;
    mb->restoring += ps->note.restoring;
    mb->started = ps->note.started < mb->started ? ps->note.started : mb->started;
    mb->last_at = ps->note.at > mb->last_at ? ps->note.at : mb->last_at;
    mb->stale &= stale;
  }
  s->skew = total > 0 ? (double)busiest / ((double)total / (double)s->n_parts) : 0;
  return true;
}

/* DescribeGroups, when the broker answers it (through the classic
 * call: librdkafka 2.0.2 hangs destroying a client whose Admin
 * DescribeConsumerGroups request a broker refused). */
static void describe_group(rd_kafka_t *rk, status_t *s) {
  const struct rd_kafka_group_list *list = NULL;
  rd_kafka_resp_err_t e = rd_kafka_list_groups(rk, s->group, &list, TIMEOUT_MS);
  if (!e && list->group_cnt == 1 && !list->groups[0].err) {
    s->described = list;
    return;
  }
  if (!e) e = list->group_cnt == 1 ? list->groups[0].err : RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND;
  snprintf(s->not_described, sizeof s->not_described, "%s",
           e == RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE ? "the broker does not support DescribeGroups" : rd_kafka_err2str(e));
  if (list) rd_kafka_group_list_destroy(list);
}

/* ---- showing -------------------------------------------------------------- */

static const char *part_state(const part_status_t *ps) {
  return ps->noted ? ps->note.restoring ? "restoring" : "running" : ps->foreign ? "unknown" : ps->committed >= 0 ? "committed" : "none";
}

/* A duration as 1h02m, 5m03s or 42s. */
static const char *duration(int64_t secs, char *out, size_t size) {
  if (secs < 0) secs = 0;
  if (secs >= 3600) snprintf(out, size, "%" PRId64 "h%02" PRId64 "m", secs / 3600, secs / 60 % 60);
  else if (secs >= 60) snprintf(out, size, "%" PRId64 "m%02" PRId64 "s", secs / 60, secs % 60);
  else snprintf(out, size, "%" PRId64 "s", secs);
  return out;
}

static sq_value_t text(const char *s) { return sq_str(s, (uint32_t)strlen(s)); }

static void json_str(sq_buf_t *b, const char *key, const char *value) {
  sq_buf_puts(b, key);
  if (value) sq_encode_json_string(b, value, strlen(value));
  else sq_buf_puts(b, "null");
}

static void json_int(sq_buf_t *b, const char *key, int64_t v, bool known) {
  char num[32];
  snprintf(num, sizeof num, "%" PRId64, v);
  sq_buf_puts(b, key);
  sq_buf_puts(b, known ? num : "null");
}

static bool print_json(const status_t *s, FILE *out) {
  sq_buf_t b = {0};
  char num[64];
  json_str(&b, "{\"group\":", s->group);
  json_int(&b, ",\"lag\":", s->lag, true);
  snprintf(num, sizeof num, "%.3f", s->skew);
  sq_buf_puts(&b, ",\"skew_ratio\":");
  sq_buf_puts(&b, s->skew > 0 ? num : "null");
  sq_buf_puts(&b, ",\"members\":[");
  for (size_t m = 0; m < s->n_members; m++) {
    const member_t *mb = &s->members[m];
    json_str(&b, m ? ",{\"host\":" : "{\"host\":", mb->note->host);
    json_int(&b, ",\"pid\":", mb->note->pid, true);
    json_int(&b, ",\"started\":", mb->started, true);
    json_int(&b, ",\"uptime_seconds\":", s->now - mb->started, true);
    json_int(&b, ",\"last_commit_seconds_ago\":", s->now - mb->last_at, true);
    sq_buf_puts(&b, mb->stale ? ",\"stale\":true" : ",\"stale\":false");
    json_int(&b, ",\"restoring\":", mb->restoring, true);
    sq_buf_puts(&b, ",\"tasks\":[");
    for (size_t i = 0, n = 0; i < s->n_parts; i++) {
      if (s->parts[i].member != (int)m) continue;
      json_str(&b, n++ ? ",{\"topic\":" : "{\"topic\":", s->parts[i].topic);
      json_int(&b, ",\"partition\":", s->parts[i].partition, true);
      json_str(&b, ",\"state\":", part_state(&s->parts[i]));
      sq_buf_putc(&b, '}');
    }
    sq_buf_puts(&b, "]}");
  }
  sq_buf_puts(&b, "],\"partitions\":[");
  for (size_t i = 0; i < s->n_parts; i++) {
    const part_status_t *ps = &s->parts[i];
    json_str(&b, i ? ",{\"topic\":" : "{\"topic\":", ps->topic);
    json_int(&b, ",\"partition\":", ps->partition, true);
    json_str(&b, ",\"state\":", part_state(ps));
    json_str(&b, ",\"host\":", ps->noted ? ps->note.host : NULL);
    json_int(&b, ",\"pid\":", ps->note.pid, ps->noted);
    json_int(&b, ",\"committed\":", ps->committed, ps->committed >= 0);
    json_int(&b, ",\"end\":", ps->high, true);
    json_int(&b, ",\"lag\":", lag_of(ps), ps->committed >= 0);
    json_int(&b, ",\"last_commit_seconds_ago\":", s->now - ps->note.at, ps->noted);
    sq_buf_puts(&b, ps->noted && sq_commit_note_stale(&ps->note, s->now) ? ",\"stale\":true}" : ",\"stale\":false}");
  }
  sq_buf_puts(&b, "],\"group_description\":");
  if (s->described) {
    const struct rd_kafka_group_info *g = &s->described->groups[0];
    json_str(&b, "{\"state\":", g->state);
    sq_buf_puts(&b, ",\"members\":[");
    for (int i = 0; i < g->member_cnt; i++) {
      json_str(&b, i ? ",{\"member_id\":" : "{\"member_id\":", g->members[i].member_id);
      json_str(&b, ",\"client_id\":", g->members[i].client_id);
      json_str(&b, ",\"host\":", g->members[i].client_host);
      sq_buf_putc(&b, '}');
    }
    sq_buf_puts(&b, "]}");
  } else {
    json_str(&b, "{\"unavailable\":", s->not_described);
    sq_buf_putc(&b, '}');
  }
  sq_buf_puts(&b, "}\n");
  bool ok = !b.failed && fwrite(b.data, 1, b.len, out) == b.len;
  sq_buf_free(&b);
  return ok;
}

static bool print_members(const status_t *s, FILE *out, char *err, size_t err_size) {
  static const char *const names[] = {"host", "pid", "uptime", "tasks", "restoring", "last_commit", "note"};
  static const sq_type_t types[] = {SQ_TYPE_STRING, SQ_TYPE_BIGINT, SQ_TYPE_STRING, SQ_TYPE_BIGINT,
                                    SQ_TYPE_BIGINT, SQ_TYPE_STRING, SQ_TYPE_STRING};
  sq_result_t r = {0};
  sq_print_options_t po = {.format = SQ_OUTPUT_TABLE};
  bool ok = sq_result_begin(&r, out, &po, names, types, 7);
  for (size_t m = 0; ok && m < s->n_members; m++) {
    const member_t *mb = &s->members[m];
    char up[32], ago[40];
    snprintf(ago, sizeof ago, "%s ago", duration(s->now - mb->last_at, up, sizeof up));
    sq_value_t row[] = {text(mb->note->host), sq_int(mb->note->pid), text(duration(s->now - mb->started, up, sizeof up)),
                        sq_int(mb->tasks), sq_int(mb->restoring), text(ago),
                        text(mb->stale ? "stale: stopped committing, may be gone" : "")};
    ok = sq_result_row(&r, row);
  }
  if (!ok) snprintf(err, err_size, "%s", r.err);
  sq_result_end(&r);
  return ok;
}

static bool print_partitions(const status_t *s, FILE *out, char *err, size_t err_size) {
  static const char *const names[] = {"topic", "partition", "host", "pid", "state", "committed", "end", "lag", "last_commit"};
  static const sq_type_t types[] = {SQ_TYPE_STRING, SQ_TYPE_BIGINT, SQ_TYPE_STRING, SQ_TYPE_BIGINT, SQ_TYPE_STRING,
                                    SQ_TYPE_BIGINT, SQ_TYPE_BIGINT, SQ_TYPE_BIGINT, SQ_TYPE_STRING};
  sq_result_t r = {0};
  sq_print_options_t po = {.format = SQ_OUTPUT_TABLE};
  bool ok = sq_result_begin(&r, out, &po, names, types, 9);
  for (size_t i = 0; ok && i < s->n_parts; i++) {
    const part_status_t *ps = &s->parts[i];
    char d[32], ago[48] = "";
    if (ps->noted)
      snprintf(ago, sizeof ago, "%s ago%s", duration(s->now - ps->note.at, d, sizeof d), sq_commit_note_stale(&ps->note, s->now) ? " (stale)" : "");
    bool has = ps->committed >= 0;
    sq_value_t row[] = {text(ps->topic), sq_int(ps->partition), ps->noted ? text(ps->note.host) : sq_null(),
                        ps->noted ? sq_int(ps->note.pid) : sq_null(), text(part_state(ps)), has ? sq_int(ps->committed) : sq_null(),
                        sq_int(ps->high), has ? sq_int(lag_of(ps)) : sq_null(), text(ago)};
    ok = sq_result_row(&r, row);
  }
  if (!ok) snprintf(err, err_size, "%s", r.err);
  sq_result_end(&r);
  return ok;
}

static bool print_table(const status_t *s, FILE *out, char *err, size_t err_size) {
  size_t topics = 0;
  for (size_t i = 0; i < s->n_parts; i++) topics += i == 0 || strcmp(s->parts[i].topic, s->parts[i - 1].topic) != 0;
  char skew[32] = "-";
  if (s->skew > 0) snprintf(skew, sizeof skew, "%.2f", s->skew);
  fprintf(out, "group %s: %zu member%s, %zu partition%s of %zu topic%s, lag %" PRId64 ", skew ratio %s\n", s->group, s->n_members,
          s->n_members == 1 ? "" : "s", s->n_parts, s->n_parts == 1 ? "" : "s", topics, topics == 1 ? "" : "s", s->lag, skew);
  if (s->described) {
    const struct rd_kafka_group_info *g = &s->described->groups[0];
    fprintf(out, "live group: %s, %d member%s", g->state, g->member_cnt, g->member_cnt == 1 ? "" : "s");
    for (int i = 0; i < g->member_cnt; i++) fprintf(out, "%s %s at %s", i ? "," : ":", g->members[i].client_id, g->members[i].client_host);
    fputc('\n', out);
  } else {
    fprintf(out, "live group: not described (%s); members are read from the commit notes\n", s->not_described);
  }
  fputc('\n', out);
  if (!print_members(s, out, err, err_size)) return false;
  fputc('\n', out);
  return print_partitions(s, out, err, err_size);
}

/* ---- the command ------------------------------------------------------------ */

static int status_main(int argc, char **argv) {
  const char *brokers = NULL, *group = NULL, *topics[MAX_TOPICS];
  size_t n_topics = 0;
  bool json = false;
  for (int i = 1; i < argc; i++) {
    bool has_value = i + 1 < argc;
    if (strcmp(argv[i], "--brokers") == 0 && has_value) brokers = argv[++i];
    else if (strcmp(argv[i], "--group") == 0 && has_value) group = argv[++i];
    else if (strcmp(argv[i], "--topic") == 0 && has_value && n_topics < MAX_TOPICS) topics[n_topics++] = argv[++i];
    else if (strcmp(argv[i], "--format") == 0 && has_value) {
      json = strcmp(argv[++i], "json") == 0;
      if (!json && strcmp(argv[i], "table") != 0) return sq_cli_bad_argument(&sq_cmd_status, "--format needs table or json");
    } else return sq_cli_bad_argument(&sq_cmd_status, "unexpected argument '%s'", argv[i]);
  }
  if (!group || !*group) return sq_cli_bad_argument(&sq_cmd_status, "missing --group");
  if (!brokers) brokers = getenv("STREAMQ_BROKERS");
  if (!brokers || !*brokers) return sq_cli_bad_argument(&sq_cmd_status, "no Kafka brokers: use --brokers or STREAMQ_BROKERS");
  char err[512] = "";
  sq_kafka_settings_t settings = {.bootstrap = (char *)brokers}; /* borrowed: never freed */
  status_t s = {.group = group, .now = (int64_t)time(NULL)};
  sq_kafka_topic_list_t list = {0};
  rd_kafka_t *rk = sq_kafka_group_inspector_new(&settings, group, err, sizeof err);
  bool ok = rk && sq_kafka_topics(rk, NULL, false, TIMEOUT_MS, &list, err, sizeof err) &&
            read_offsets(rk, &s, &list, topics, n_topics, err, sizeof err);
  bool any = false;
  for (size_t i = 0; ok && i < s.n_parts; i++) any |= s.parts[i].committed >= 0;
  if (ok && !any) {
    ok = false;
    snprintf(err, sizeof err, "group '%s' has no committed offsets%s", group, n_topics ? " on the topics named" : "");
  }
  if (ok && !summarize(&s)) ok = snprintf(err, sizeof err, "out of memory") < 0;
  if (ok) describe_group(rk, &s);
  if (ok) ok = json ? print_json(&s, stdout) || snprintf(err, sizeof err, "cannot write the output") < 0
                    : print_table(&s, stdout, err, sizeof err);
  if (!ok) fprintf(stderr, "streamq status: %s\n", err);
  if (s.described) rd_kafka_group_list_destroy(s.described);
  free(s.parts);
  free(s.members);
  sq_kafka_topic_list_free(&list);
  if (rk) rd_kafka_destroy(rk);
  return ok ? SQ_EXIT_OK : SQ_EXIT_RUNTIME;
}

const sq_command_t sq_cmd_status = {
    "status", "show an application's processes, tasks and lag from its consumer group",
    "usage: streamq status --group GROUP [--brokers HOST:PORT,...] [--topic NAME]... [--format table|json]\n"
    "\n"
    "Shows the application that consumer group GROUP runs (every `streamq run`\n"
    "of one pipeline file): its processes (host, pid, uptime), the partitions\n"
    "each holds and their tasks' state (running or restoring), the lag of each\n"
    "partition (end offset minus committed offset) and in all, and the skew\n"
    "ratio (the records the fullest partition holds over the mean). It reads\n"
    "only the group's committed offsets, whose commit notes say which process\n"
    "made them, the end offsets, and DescribeGroups where the broker has it. A\n"
    "process that has not committed for 3 times its commit interval (at least\n"
    "20 s) is marked stale: it may be gone. A partition's state is running or\n"
    "restoring (from its holder's note), committed (by a client that left no\n"
    "note), unknown (another tool's metadata) or none (nothing committed).\n"
    "\n"
    "options:\n"
    "  --brokers LIST   Kafka bootstrap servers (default: STREAMQ_BROKERS)\n"
    "  --group GROUP    the consumer group (a pipeline's group_id, default\n"
    "                   streamq-<pipeline file name>)\n"
    "  --topic NAME     only this topic (repeatable); default: every topic the\n"
    "                   group has committed offsets on\n"
    "  --format F       table (default) or json (one object)\n"
    "  --help           show this help\n"
    "\n"
    "Exit status: 0 shown, 1 bad arguments, 2 the brokers cannot be reached or\n"
    "the group has no committed offsets.\n",
    status_main,
};
