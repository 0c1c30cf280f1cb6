-- What a repartition cannot cut stays in one partition's task, and is
-- refused there: a GROUP BY of an expression, one that reads Kafka
-- metadata, a global aggregate.
SET 'scale.repartition' = 'on';
CREATE SOURCE pay (card STRING, amount DOUBLE, ts TIMESTAMP)
  WITH (connector = 'kafka', topic = 'payments', timestamp = 'ts');
CREATE SINK out WITH (connector = 'file', path = 'out.jsonl');
INSERT INTO out SELECT card, COUNT(*) AS n FROM pay WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY card;
INSERT INTO out SELECT UPPER(card) AS c, COUNT(*) AS n FROM pay WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY UPPER(card);
INSERT INTO out SELECT card, MAX(_offset) AS last FROM pay WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY card;
INSERT INTO out SELECT COUNT(*) AS n FROM pay WINDOW TUMBLING (SIZE 1 MINUTE);
