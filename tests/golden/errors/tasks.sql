-- A source declared partitioned_by runs as one task per partition: what
-- needs rows of several partitions to meet is refused.
CREATE SOURCE pay (user_id STRING, card STRING, amount BIGINT, ts TIMESTAMP)
  WITH (connector = 'kafka', topic = 'pay', timestamp = 'ts', partitioned_by = 'user_id');
CREATE SOURCE refunds (user_id STRING, amount BIGINT, ts TIMESTAMP)
  WITH (connector = 'kafka', topic = 'refunds', timestamp = 'ts');
CREATE SINK out WITH (connector = 'file', path = 'out.jsonl');
INSERT INTO out SELECT card, COUNT(*) AS n FROM pay WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY card;
INSERT INTO out SELECT user_id, COUNT(*) AS n FROM pay WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY user_id LIMIT 5;
INSERT INTO out SELECT DISTINCT card FROM pay;
INSERT INTO out SELECT p.user_id, r.amount FROM pay p JOIN refunds r WITHIN INTERVAL '1' MINUTE ON p.user_id = r.user_id;
INSERT INTO out SELECT user_id, SUM(amount) AS s FROM refunds GROUP BY user_id EMIT CHANGES;
