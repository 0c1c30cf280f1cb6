-- Stage 1 of a repartition pre-aggregates hot keys when the query's
-- partial results merge exactly: a tumbling or hopping window that emits
-- final results, over aggregates other than floating-point sums,
-- EARLIEST and LATEST, on a source no other query cuts.
SET 'scale.repartition' = 'on';
CREATE SOURCE pay (card STRING, amount BIGINT, price DOUBLE, ts TIMESTAMP)
  WITH (connector = 'kafka', topic = 'payments', group_id = 'fraud', timestamp = 'ts', watermark_delay = '2 seconds');
CREATE SOURCE clicks (page STRING, ms BIGINT, ts TIMESTAMP)
  WITH (connector = 'kafka', topic = 'clicks', group_id = 'fraud', timestamp = 'ts');
CREATE SOURCE quotes (sym STRING, price DOUBLE, ts TIMESTAMP)
  WITH (connector = 'kafka', topic = 'quotes', group_id = 'fraud', timestamp = 'ts');
CREATE SINK out WITH (connector = 'file', path = 'out.jsonl');
INSERT INTO out SELECT card, COUNT(*) AS n, SUM(amount) AS total, MAX(price) AS top, APPROX_COUNT_DISTINCT(amount) AS amounts
  FROM pay WINDOW HOPPING (SIZE 10 MINUTES, ADVANCE BY 1 MINUTE) GROUP BY card;
INSERT INTO out SELECT page, COUNT(*) AS n FROM clicks WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY page EMIT CHANGES;
INSERT INTO out SELECT sym, AVG(price) AS mean FROM quotes WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY sym;
