/* `streamq status --group G`: the whole application at a glance, from
 * Kafka's own APIs only: the group's committed offsets, each with the
 * commit note of the process that made it (commit_note.h: who holds the
 * partition, since when, in what state), the partitions' end offsets,
 * and DescribeGroups where the broker has it (librdkafka's development
 * broker does not: then the members come from the notes alone). A
 * repartitioned application (repartition.c) has a second group, stage
 * 1's "G.stage1" (kafka/source.c): when it has committed offsets, it is
 * read and shown the same way, after G (stage 2, the tasks). */
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
  bool committed;                /* some partition has a committed offset */
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

/* A partition's lag: its end offset minus the committed one, or the one
 * its note says was read (a pre-aggregating stage 1 commits where a
 * restart must read from, behind what it has read); -1: nothing
 * committed. */
static int64_t lag_of(const part_status_t *ps) {
  int64_t at = ps->noted && ps->note.read > ps->committed ? ps->note.read : ps->committed;
  return ps->committed < 0 ? -1 : ps->high > at ? ps->high - at : 0;
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

/* Group s->group through rk, a client in that group: its committed
 * offsets on `topics`; when it has some, its members, lag, skew and
 * description. */
static bool read_group(rd_kafka_t *rk, status_t *s, const sq_kafka_topic_list_t *list, const char *const *topics, size_t n_topics,
                       char *err, size_t err_size) {
  if (!read_offsets(rk, s, list, topics, n_topics, err, err_size)) return false;
  for (size_t i = 0; i < s->n_parts; i++) s->committed |= s->parts[i].committed >= 0;
  if (!s->committed) return true;
  if (!summarize(s)) return snprintf(err, err_size, "out of memory"), false;
  describe_group(rk, s);
  return true;
}

/* The stage-1 group of the application of group `group`, in `name`
 * (cut as kafka/source.c cuts it); NULL when `group` is one itself. */
static const char *stage1_of(const char *group, char name[static 256]) {
  static const char suffix[] = ".stage1";
  size_t len = strlen(group), n = sizeof suffix - 1;
  if (len >= n && strcmp(group + len - n, suffix) == 0) return NULL;
  snprintf(name, 256, "%s%s", group, suffix);
  return name;
}

/* read_group for another group than the client's of the topic list:
 * through a client of its own, since a client's committed offsets are
 * its group's. */
static bool read_apart(const sq_kafka_settings_t *settings, status_t *s, const sq_kafka_topic_list_t *list, const char *const *topics,
                       size_t n_topics, char *err, size_t err_size) {
  rd_kafka_t *rk = sq_kafka_group_inspector_new(settings, s->group, err, err_size);
  bool ok = rk && read_group(rk, s, list, topics, n_topics, err, err_size);
  if (rk) rd_kafka_destroy(rk);
  return ok;
}

static void status_free(status_t *s) {
  if (s->described) rd_kafka_group_list_destroy(s->described);
  free(s->parts);
  free(s->members);
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

static void json_members(sq_buf_t *b, const status_t *s) {
  for (size_t m = 0; m < s->n_members; m++) {
    const member_t *mb = &s->members[m];
    json_str(b, m ? ",{\"host\":" : "{\"host\":", mb->note->host);
    json_int(b, ",\"pid\":", mb->note->pid, true);
    json_int(b, ",\"started\":", mb->started, true);
    json_int(b, ",\"uptime_seconds\":", s->now - mb->started, true);
    json_int(b, ",\"last_commit_seconds_ago\":", s->now - mb->last_at, true);
    sq_buf_puts(b, mb->stale ? ",\"stale\":true" : ",\"stale\":false");
    json_int(b, ",\"restoring\":", mb->restoring, true);
    sq_buf_puts(b, ",\"tasks\":[");
    for (size_t i = 0, n = 0; i < s->n_parts; i++) {
      if (s->parts[i].member != (int)m) continue;
      json_str(b, n++ ? ",{\"topic\":" : "{\"topic\":", s->parts[i].topic);
      json_int(b, ",\"partition\":", s->parts[i].partition, true);
      json_str(b, ",\"state\":", part_state(&s->parts[i]));
      sq_buf_putc(b, '}');
    }
    sq_buf_puts(b, "]}");
  }
}

static void json_partitions(sq_buf_t *b, const status_t *s) {
  for (size_t i = 0; i < s->n_parts; i++) {
    const part_status_t *ps = &s->parts[i];
    json_str(b, i ? ",{\"topic\":" : "{\"topic\":", ps->topic);
    json_int(b, ",\"partition\":", ps->partition, true);
    json_str(b, ",\"state\":", part_state(ps));
    json_str(b, ",\"host\":", ps->noted ? ps->note.host : NULL);
    json_int(b, ",\"pid\":", ps->note.pid, ps->noted);
    json_int(b, ",\"committed\":", ps->committed, ps->committed >= 0);
    json_int(b, ",\"end\":", ps->high, true);
    json_int(b, ",\"lag\":", lag_of(ps), ps->committed >= 0);
    json_int(b, ",\"last_commit_seconds_ago\":", s->now - ps->note.at, ps->noted);
    sq_buf_puts(b, ps->noted && sq_commit_note_stale(&ps->note, s->now) ? ",\"stale\":true}" : ",\"stale\":false}");
  }
}

static void json_description(sq_buf_t *b, const status_t *s) {
  if (!s->described) {
    json_str(b, "{\"unavailable\":", s->not_described);
    sq_buf_putc(b, '}');
    return;
  }
  const struct rd_kafka_group_info *g = &s->described->groups[0];
  json_str(b, "{\"state\":", g->state);
  sq_buf_puts(b, ",\"members\":[");
  for (int i = 0; i < g->member_cnt; i++) {
    json_str(b, i ? ",{\"member_id\":" : "{\"member_id\":", g->members[i].member_id);
    json_str(b, ",\"client_id\":", g->members[i].client_id);
    json_str(b, ",\"host\":", g->members[i].client_host);
    sq_buf_putc(b, '}');
  }
  sq_buf_puts(b, "]}");
}

/* Group s as one JSON object, with stage1 (when not NULL) as its member
 * "stage1", an object of the same shape. */
static void json_group(sq_buf_t *b, const status_t *s, const status_t *stage1) {
  char num[64];
  json_str(b, "{\"group\":", s->group);
  json_int(b, ",\"lag\":", s->lag, true);
  snprintf(num, sizeof num, "%.3f", s->skew);
  sq_buf_puts(b, ",\"skew_ratio\":");
  sq_buf_puts(b, s->skew > 0 ? num : "null");
  sq_buf_puts(b, ",\"members\":[");
  json_members(b, s);
  sq_buf_puts(b, "],\"partitions\":[");
  json_partitions(b, s);
  sq_buf_puts(b, "],\"group_description\":");
  json_description(b, s);
  if (stage1) {
    sq_buf_puts(b, ",\"stage1\":");
    json_group(b, stage1, NULL);
  }
  sq_buf_putc(b, '}');
}

static bool print_json(const status_t *s, const status_t *stage1, FILE *out) {
  sq_buf_t b = {0};
  json_group(&b, s, stage1);
  sq_buf_putc(&b, '\n');
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

/* Group s: a summary line (ending with " (<stage>)" when stage is not
 * NULL), the live group, its members and its partitions. */
static bool print_table(const status_t *s, const char *stage, FILE *out, char *err, size_t err_size) {
  size_t topics = 0;
  for (size_t i = 0; i < s->n_parts; i++) topics += i == 0 || strcmp(s->parts[i].topic, s->parts[i - 1].topic) != 0;
  char skew[32] = "-";
  if (s->skew > 0) snprintf(skew, sizeof skew, "%.2f", s->skew);
  fprintf(out, "group %s: %zu member%s, %zu partition%s of %zu topic%s, lag %" PRId64 ", skew ratio %s%s%s%s\n", s->group, s->n_members,
          s->n_members == 1 ? "" : "s", s->n_parts, s->n_parts == 1 ? "" : "s", topics, topics == 1 ? "" : "s", s->lag, skew,
          stage ? " (" : "", stage ? stage : "", stage ? ")" : "");
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

/* The application: group s, then its stage 1 when it has one. */
static bool show(const status_t *s, const status_t *stage1, bool json, char *err, size_t err_size) {
  if (json) return print_json(s, stage1->committed ? stage1 : NULL, stdout) || snprintf(err, err_size, "cannot write the output") < 0;
  if (!stage1->committed) return print_table(s, NULL, stdout, err, err_size);
  return print_table(s, "stage 2: the tasks", stdout, err, err_size) && fputc('\n', stdout) != EOF &&
         print_table(stage1, "stage 1: the input", stdout, err, err_size);
}

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
  char err[512] = "", stage1_group[256];
  sq_kafka_settings_t settings = {.bootstrap = (char *)brokers}; /* borrowed: never freed */
  status_t s = {.group = group, .now = (int64_t)time(NULL)}, stage1 = {.group = stage1_of(group, stage1_group), .now = s.now};
  sq_kafka_topic_list_t list = {0};
  rd_kafka_t *rk = sq_kafka_group_inspector_new(&settings, group, err, sizeof err);
  bool ok = rk && sq_kafka_topics(rk, NULL, false, TIMEOUT_MS, &list, err, sizeof err) &&
            read_group(rk, &s, &list, topics, n_topics, err, sizeof err);
  if (ok && !s.committed)
    ok = snprintf(err, sizeof err, "group '%s' has no committed offsets%s", group, n_topics ? " on the topics named" : "") < 0;
  ok = ok && (!stage1.group || read_apart(&settings, &stage1, &list, topics, n_topics, err, sizeof err)) &&
       show(&s, &stage1, json, err, sizeof err);
  if (!ok) fprintf(stderr, "streamq status: %s\n", err);
  status_free(&s);
  status_free(&stage1);
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
    "A pipeline with repartition stages (SET 'scale.repartition' = 'on') runs\n"
    "its tasks (stage 2) in GROUP and reads its input (stage 1) in the group\n"
    "GROUP.stage1. When GROUP.stage1 has committed offsets, it is shown too,\n"
    "after GROUP, the same way: each summary line ends with its stage, and the\n"
    "JSON object has it as its member \"stage1\", an object of the same shape\n"
    "(absent when there is no stage 1). --group GROUP.stage1 shows stage 1\n"
    "alone; --topic applies to both groups.\n"
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
