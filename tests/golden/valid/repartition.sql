-- With scale.repartition on, GROUP BYs over an unkeyed source and a join
-- of two unkeyed sources are cut at repartition topics.
SET 'scale.repartition' = 'on';
SET 'scale.partitions' = '12';
CREATE SOURCE pay (card STRING, merchant STRING, amount DOUBLE, ts TIMESTAMP)
  WITH (connector = 'kafka', topic = 'payments', group_id = 'fraud', timestamp = 'ts', watermark_delay = '2 seconds');
CREATE SOURCE refunds (card STRING, amount DOUBLE, ts TIMESTAMP)
  WITH (connector = 'kafka', topic = 'refunds', group_id = 'fraud', timestamp = 'ts');
CREATE SINK out WITH (connector = 'file', path = 'out.jsonl');
INSERT INTO out SELECT card, COUNT(*) AS n, SUM(amount) AS total FROM pay WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY card;
INSERT INTO out SELECT p.merchant, COUNT(DISTINCT p.card) AS cards FROM pay p WINDOW HOPPING (SIZE 1 HOUR, ADVANCE BY 10 MINUTES) GROUP BY merchant;
INSERT INTO out SELECT p.card, p.amount, r.amount AS refunded FROM pay p JOIN refunds r WITHIN INTERVAL '1' HOUR ON p.card = r.card;
