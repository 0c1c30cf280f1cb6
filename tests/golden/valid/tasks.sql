-- Keyed by user: per-user windows, DISTINCT and filters run per partition.
CREATE SOURCE pay (user_id STRING, card STRING, amount BIGINT, ts TIMESTAMP)
  WITH (connector = 'kafka', topic = 'pay', timestamp = 'ts', partitioned_by = 'user_id');
CREATE SINK out WITH (connector = 'file', path = 'out.jsonl');
INSERT INTO out SELECT user_id, card, COUNT(*) AS n, SUM(amount) AS total
FROM pay WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY user_id, card;
INSERT INTO out SELECT DISTINCT user_id, card FROM pay;
INSERT INTO out SELECT user_id, amount FROM pay WHERE amount > 1000;
-- Two sources keyed alike, joined on their key: partition p of both meets in one task.
CREATE SOURCE refunds (user_id STRING, refund BIGINT, ts TIMESTAMP)
  WITH (connector = 'kafka', topic = 'refunds', timestamp = 'ts', partitioned_by = 'user_id');
INSERT INTO out SELECT p.user_id, p.amount, r.refund
FROM pay p JOIN refunds r WITHIN INTERVAL '1' MINUTE ON p.user_id = r.user_id AND r.refund <= p.amount;
