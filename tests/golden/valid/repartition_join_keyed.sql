-- With scale.repartition on, a join of a partitioned_by source with an
-- unkeyed one is not co-partitioned: both sides are repartitioned by the
-- join key, and the keyed source's partitioned_by is set aside (its
-- producer need not partition as streamq does).
SET 'scale.repartition' = 'on';
CREATE SOURCE pay (card STRING, amount BIGINT, ts TIMESTAMP)
  WITH (connector = 'kafka', topic = 'payments', group_id = 'fraud', timestamp = 'ts', partitioned_by = 'card');
CREATE SOURCE refunds (card STRING, amount BIGINT, ts TIMESTAMP)
  WITH (connector = 'kafka', topic = 'refunds', group_id = 'fraud', timestamp = 'ts');
CREATE SINK out WITH (connector = 'file', path = 'out.jsonl');
INSERT INTO out SELECT p.card, p.amount, r.amount AS refunded FROM pay p JOIN refunds r WITHIN INTERVAL '1' HOUR ON p.card = r.card;
