/* Analysis: the catalog, output schemas, inferred types and query
 * classification. Error texts are covered by the golden files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine/analyze_scope.h"
#include "engine/functions.h"
#include "front_end_fixture.h"

static const char *const schema =
    "CREATE SOURCE bids (auction BIGINT, bidder BIGINT, price DOUBLE, channel STRING, ts TIMESTAMP)"
    "  WITH (connector = 'file', path = 'b.jsonl', timestamp = 'ts');"
    "CREATE TABLE users (id BIGINT PRIMARY KEY, name STRING) WITH (connector = 'file', path = 'u.jsonl');"
    "CREATE SINK out WITH (connector = 'stdout');";

static fixture_t load(const char *queries) {
  size_t len = strlen(schema) + strlen(queries) + 1;
  char *text = malloc(len);
  snprintf(text, len, "%s%s", schema, queries);
  fixture_t f = fixture_load(text, 1);
  free(text);
  if (sq_diag_count(f.diag)) {
    char *errs = fixture_errors(&f);
    print_error("%s", errs);
    free(errs);
  }
  return f;
}

static void assert_column(const sq_relation_t *rel, size_t i, const char *name, sq_type_t type) {
  assert_true(i < rel->n_columns);
  assert_string_equal(rel->columns[i].name, name);
  assert_int_equal(rel->columns[i].type, type);
}

static void output_columns_are_named_by_alias_column_or_position(void **state) {
  (void)state;
  fixture_t f = load("INSERT INTO out SELECT auction, COUNT(*), SUM(price) AS total, price * 2, WINDOW_START"
                     " FROM bids WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY auction, price * 2;");
  assert_int_equal(sq_diag_count(f.diag), 0);
  assert_int_equal(f.prog->n_queries, 1);
  const sq_query_t *q = &f.prog->queries[0];
  assert_true(q->aggregate);
  assert_true(q->windowed);
  assert_int_equal(q->output->n_columns, 5);
  assert_column(q->output, 0, "auction", SQ_TYPE_BIGINT);
  assert_column(q->output, 1, "count", SQ_TYPE_BIGINT);
  assert_column(q->output, 2, "total", SQ_TYPE_DOUBLE);
  assert_column(q->output, 3, "col_4", SQ_TYPE_DOUBLE);
  assert_column(q->output, 4, "window_start", SQ_TYPE_TIMESTAMP);
  assert_string_equal(q->target->name, "out");
  fixture_free(&f);
}

static void types_follow_the_operators(void **state) {
  (void)state;
  fixture_t f = load("INSERT INTO out SELECT auction + 1, auction + 1.5, auction / 2, ts - ts, ts + 1000,"
                     " channel || auction, auction > price, COALESCE(NULL, auction, price),"
                     " CASE WHEN price > 1 THEN 1 ELSE NULL END, CAST(channel AS TIMESTAMP), EXTRACT(HOUR FROM ts),"
                     " ROUND(price, 1), ROUND(auction) FROM bids;");
  assert_int_equal(sq_diag_count(f.diag), 0);
  const sq_relation_t *out = f.prog->queries[0].output;
  sq_type_t expected[] = {SQ_TYPE_BIGINT, SQ_TYPE_DOUBLE, SQ_TYPE_BIGINT, SQ_TYPE_BIGINT, SQ_TYPE_TIMESTAMP,
                          SQ_TYPE_STRING, SQ_TYPE_BOOLEAN, SQ_TYPE_DOUBLE, SQ_TYPE_BIGINT, SQ_TYPE_TIMESTAMP,
                          SQ_TYPE_BIGINT, SQ_TYPE_DOUBLE, SQ_TYPE_BIGINT};
  assert_int_equal(out->n_columns, sizeof expected / sizeof *expected);
  for (size_t i = 0; i < out->n_columns; i++) assert_int_equal(out->columns[i].type, expected[i]);
  fixture_free(&f);
}

static void aggregates_have_their_result_types(void **state) {
  (void)state;
  fixture_t f = load("INSERT INTO out SELECT SUM(auction), SUM(price), AVG(auction), MIN(channel), MAX(ts),"
                     " COUNT(DISTINCT bidder), STDDEV_SAMP(auction), EARLIEST(channel), APPROX_COUNT_DISTINCT(bidder),"
                     " APPROX_PERCENTILE(price, 0.5), TOPK(channel, 3) FROM bids GROUP BY channel EMIT CHANGES;");
  assert_int_equal(sq_diag_count(f.diag), 0);
  const sq_relation_t *out = f.prog->queries[0].output;
  sq_type_t expected[] = {SQ_TYPE_BIGINT, SQ_TYPE_DOUBLE, SQ_TYPE_DOUBLE, SQ_TYPE_STRING, SQ_TYPE_TIMESTAMP,
                          SQ_TYPE_BIGINT, SQ_TYPE_DOUBLE, SQ_TYPE_STRING, SQ_TYPE_BIGINT, SQ_TYPE_DOUBLE, SQ_TYPE_STRING};
  for (size_t i = 0; i < sizeof expected / sizeof *expected; i++) assert_int_equal(out->columns[i].type, expected[i]);
  assert_false(f.prog->queries[0].windowed);
  fixture_free(&f);
}

static void columns_resolve_to_input_and_position(void **state) {
  (void)state;
  fixture_t f = load("INSERT INTO out SELECT u.name, b.price FROM bids b LEFT JOIN users u ON b.bidder = u.id;");
  assert_int_equal(sq_diag_count(f.diag), 0);
  const sq_ast_t *items = f.prog->queries[0].select->select->items;
  assert_int_equal(items->list[0]->a->ref, 1);
  assert_int_equal(items->list[0]->a->ref2, 1);
  assert_int_equal(items->list[1]->a->ref, 0);
  assert_int_equal(items->list[1]->a->ref2, 2);
  fixture_free(&f);
}

static void calls_resolve_to_their_function(void **state) {
  (void)state;
  fixture_t f = load("INSERT INTO out SELECT upper(channel) FROM bids;");
  const sq_ast_t *call = f.prog->queries[0].select->select->items->list[0]->a;
  assert_string_equal(sq_function_at(call->ref)->name, "UPPER");
  fixture_free(&f);
}

static void a_stream_is_a_relation_with_its_query_schema(void **state) {
  (void)state;
  fixture_t f = load("CREATE STREAM big AS SELECT bidder, price * 100 AS cents FROM bids WHERE price > 10;"
                     "INSERT INTO out SELECT cents, ROWTIME FROM big;");
  assert_int_equal(sq_diag_count(f.diag), 0);
  const sq_relation_t *big = sq_catalog_find(f.prog->catalog, "big");
  assert_non_null(big);
  assert_int_equal(big->kind, SQ_REL_STREAM);
  assert_column(big, 0, "bidder", SQ_TYPE_BIGINT);
  assert_column(big, 1, "cents", SQ_TYPE_DOUBLE);
  assert_true(big->columns[2].metadata);
  assert_int_equal(f.prog->n_queries, 2);
  assert_ptr_equal(f.prog->queries[0].output, big);
  fixture_free(&f);
}

static void datagen_sources_get_their_kind_schema(void **state) {
  (void)state;
  fixture_t f = load("CREATE SOURCE gen WITH (connector = 'datagen', kind = 'nexmark_bid', count = 10);");
  const sq_relation_t *gen = sq_catalog_find(f.prog->catalog, "gen");
  assert_column(gen, 0, "auction", SQ_TYPE_BIGINT);
  assert_column(gen, 5, "date_time", SQ_TYPE_TIMESTAMP);
  assert_string_equal(gen->connector->name, "datagen");
  assert_int_equal(sq_relation_find_column(gen, "_offset"), 10); /* 7 columns, then _key, _topic, _partition */
  fixture_free(&f);
}

static void the_table_knows_its_primary_key(void **state) {
  (void)state;
  fixture_t f = load("");
  const sq_relation_t *users = sq_catalog_find(f.prog->catalog, "users");
  assert_int_equal(users->kind, SQ_REL_TABLE);
  assert_int_equal(users->primary_key, 0);
  assert_true(users->columns[0].primary_key);
  fixture_free(&f);
}

static void explain_checks_but_adds_no_query(void **state) {
  (void)state;
  fixture_t f = load("EXPLAIN SELECT auction FROM bids;");
  assert_int_equal(f.prog->n_queries, 0);
  fixture_free(&f);
  f = load("EXPLAIN SELECT nope FROM bids;");
  assert_int_equal(sq_diag_count(f.diag), 1);
  fixture_free(&f);
}

static void grouping_by_an_expression_covers_the_same_expression(void **state) {
  (void)state;
  fixture_t f = load("INSERT INTO out SELECT UPPER(channel), COUNT(*) FROM bids GROUP BY UPPER(channel) EMIT CHANGES;");
  assert_int_equal(sq_diag_count(f.diag), 0);
  fixture_free(&f);
  f = load("INSERT INTO out SELECT LOWER(channel), COUNT(*) FROM bids GROUP BY UPPER(channel) EMIT CHANGES;");
  assert_int_equal(sq_diag_count(f.diag), 1);
  assert_string_equal(sq_diag_message(f.diag, 0), "column 'channel' must appear in GROUP BY or be used in an aggregate function");
  fixture_free(&f);
}

static void quoted_option_names_are_the_same_options(void **state) {
  (void)state;
  fixture_t f = load("CREATE SOURCE q (x BIGINT, t TIMESTAMP) WITH ('connector' = 'file', 'path' = 'q.jsonl', 'timestamp' = 't');");
  assert_int_equal(sq_diag_count(f.diag), 0);
  const sq_relation_t *q = sq_catalog_find(f.prog->catalog, "q");
  assert_string_equal(q->connector->name, "file");
  assert_string_equal(sq_relation_option(q, "path")->text, "q.jsonl");
  fixture_free(&f);
}

/* A misspelled option is reported even when the connector is therefore
 * missing, and another dialect's option name gets streamq's. */
static void unknown_options_are_reported_without_a_connector(void **state) {
  (void)state;
  fixture_t f = load("CREATE SOURCE q (x BIGINT) WITH (conector = 'kafka', kafka_topic = 'q', follow = true);");
  assert_int_equal(sq_diag_count(f.diag), 3);
  assert_string_equal(sq_diag_message(f.diag, 0), "source 'q' needs a connector (WITH (connector = '...'))");
  assert_string_equal(sq_diag_message(f.diag, 1), "unknown option 'conector'; did you mean 'connector'?");
  assert_string_equal(sq_diag_message(f.diag, 2), "unknown option 'kafka_topic'; streamq calls it 'topic'");
  fixture_free(&f);
}

/* ksqlDB's CREATE STREAM with a schema is one error, and the source it
 * declares exists, so queries over it are checked without follow-on errors. */
static void a_ksqldb_create_stream_declares_the_source(void **state) {
  (void)state;
  fixture_t f = load("CREATE STREAM views (page STRING) WITH (connector = 'file', path = 'v.jsonl');"
                     "INSERT INTO out SELECT page FROM views;");
  assert_int_equal(sq_diag_count(f.diag), 1);
  assert_string_equal(sq_diag_message(f.diag, 0),
                      "CREATE STREAM with a column list declares a source in ksqlDB; streamq writes CREATE SOURCE views");
  assert_int_equal(sq_catalog_find(f.prog->catalog, "views")->kind, SQ_REL_SOURCE);
  fixture_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(output_columns_are_named_by_alias_column_or_position),
      cmocka_unit_test(types_follow_the_operators),
      cmocka_unit_test(aggregates_have_their_result_types),
      cmocka_unit_test(columns_resolve_to_input_and_position),
      cmocka_unit_test(calls_resolve_to_their_function),
      cmocka_unit_test(a_stream_is_a_relation_with_its_query_schema),
      cmocka_unit_test(datagen_sources_get_their_kind_schema),
      cmocka_unit_test(the_table_knows_its_primary_key),
      cmocka_unit_test(explain_checks_but_adds_no_query),
      cmocka_unit_test(grouping_by_an_expression_covers_the_same_expression),
      cmocka_unit_test(quoted_option_names_are_the_same_options),
      cmocka_unit_test(unknown_options_are_reported_without_a_connector),
      cmocka_unit_test(a_ksqldb_create_stream_declares_the_source),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
