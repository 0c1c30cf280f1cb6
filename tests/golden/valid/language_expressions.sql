-- Every expression form, scalar function and aggregate of LANGUAGE.md §3.
CREATE SOURCE t (
  b BOOLEAN, i BIGINT, n INT, g INTEGER, d DOUBLE, s STRING, v VARCHAR, ts TIMESTAMP,
  nested DOUBLE PATH '$.bid.price', first_item STRING PATH '$.items[0]'
) WITH (connector = 'file', path = 't.jsonl', format = 'json', timestamp_format = 'iso8601',
        on_error = 'dlq', dlq_path = 'bad.jsonl', follow = true);
CREATE SOURCE c (x BIGINT) WITH (connector = 'file', path = 'c.csv', format = 'csv', on_error = 'skip');
CREATE SOURCE gen WITH (connector = 'datagen', kind = 'sequence', rate = 1000, count = 10, seed = 7);
CREATE SOURCE people (id BIGINT, name STRING) WITH (connector = 'datagen', kind = 'nexmark_person');
CREATE SINK out WITH (connector = 'stdout', format = 'json');

INSERT INTO out SELECT
  'it''s', 42, 1.5, 2.5e3, .5, TRUE, FALSE, NULL, TIMESTAMP '2026-01-01 00:00:00',
  TIMESTAMP '2026-01-01T00:00:00.123Z',
  i + n - g * 2 / 3 % 4, -i, +d, s || v || i,
  i = 1, i <> 1, i != 1, i < 1, i <= 1, i > 1, i >= 1,
  b AND NOT b OR b, i IS NULL, i IS NOT NULL, i IN (1, 2, 3), i NOT IN (4),
  i BETWEEN 1 AND 2, i NOT BETWEEN 1 AND 2, s LIKE 'a%', s NOT LIKE '_b',
  CASE WHEN i > 1 THEN 'big' WHEN i > 0 THEN 'small' ELSE 'none' END,
  CASE i WHEN 1 THEN 1.0 WHEN 2 THEN 2 END,
  CAST(i AS DOUBLE), CAST(s AS BIGINT), CAST(ts AS BIGINT), CAST(i AS TIMESTAMP), CAST(b AS STRING),
  ts + 1000, ts - ts, t.i, "s",
  ABS(d), ROUND(d), ROUND(d, 2), FLOOR(d), CEIL(i), SQRT(d), POWER(d, 2), LN(d), EXP(i),
  LOWER(s), UPPER(s), TRIM(s), LENGTH(s), SUBSTRING(s, 1), SUBSTRING(s, 1, 2), REPLACE(s, 'a', 'b'),
  CONCAT(s, i, d), SPLIT_PART(s, ',', 2), COALESCE(NULL, i, 0), NULLIF(i, 0), GREATEST(i, d), LEAST(s, v),
  JSON_VALUE(s, '$.a.b'), DATE_TRUNC('minute', ts), EXTRACT(HOUR FROM ts), EXTRACT(year FROM ts),
  FORMAT_TIMESTAMP(ts, '%Y-%m-%d'), TO_TIMESTAMP(s), TO_TIMESTAMP(i), NOW(),
  nested, first_item
FROM t;

INSERT INTO out SELECT s,
  COUNT(*), COUNT(i), COUNT(DISTINCT i), SUM(i), SUM(d), AVG(d), MIN(s), MAX(ts),
  STDDEV_POP(d), STDDEV_SAMP(i), EARLIEST(s), LATEST(b), APPROX_COUNT_DISTINCT(s),
  APPROX_PERCENTILE(d, 0.99), TOPK(s, 3), SUM(i) / COUNT(*) AS mean, UPPER(s) AS us
FROM t WINDOW TUMBLING (SIZE 1 HOUR) GROUP BY s, UPPER(s) HAVING SUM(i) > 0 AND s <> '';

INSERT INTO out SELECT seq, ts FROM gen;
INSERT INTO out SELECT x FROM c;
INSERT INTO out SELECT id, name FROM people;
