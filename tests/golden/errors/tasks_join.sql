-- A join runs per partition only when it equates the partitioned_by columns.
CREATE SOURCE pay (user_id STRING, card STRING, amount BIGINT, ts TIMESTAMP)
  WITH (connector = 'kafka', topic = 'pay', timestamp = 'ts', partitioned_by = 'user_id');
CREATE SOURCE cards (card STRING, user_id STRING, ts TIMESTAMP)
  WITH (connector = 'kafka', topic = 'cards', timestamp = 'ts', partitioned_by = 'card');
CREATE SINK out WITH (connector = 'file', path = 'out.jsonl');
INSERT INTO out SELECT p.user_id, c.card FROM pay p JOIN cards c WITHIN INTERVAL '1' MINUTE ON p.user_id = c.user_id;
INSERT INTO out SELECT p.user_id, COUNT(*) AS n FROM pay p JOIN cards c WITHIN INTERVAL '1' MINUTE ON p.card = c.card
  WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY p.user_id;
