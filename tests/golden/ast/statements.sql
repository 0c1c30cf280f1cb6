SET 'checkpoint.interval' = '5 seconds';
CREATE SOURCE bids (auction BIGINT, price DOUBLE PATH '$.bid.price', ts TIMESTAMP)
  WITH (connector = 'kafka', topic = 'bids', rate = 10, ratio = -1.5, follow = true, format = json);
CREATE TABLE users (id STRING PRIMARY KEY, name STRING) WITH (connector = 'file', path = 'u.jsonl');
CREATE SINK out WITH (connector = 'stdout');
CREATE STREAM big AS SELECT * FROM bids WHERE price > 1000;
INSERT INTO out SELECT b.* FROM big b;
SHOW TOPICS; SHOW SOURCES; SHOW TABLES; SHOW SINKS; SHOW STREAMS;
DESCRIBE bids;
DESCRIBE TOPIC 'bids';
PRINT 'bids' FROM BEGINNING LIMIT 10;
EXPLAIN INSERT INTO out SELECT auction FROM bids;
LIST TOPICS;
DESCRIBE TOPIC 'bids' SAMPLE 50;
PRINT bids FROM OFFSET 5 INTERVAL 2 LIMIT 3;
PRINT 'bids' FROM TIMESTAMP '2026-01-01T00:00:00Z' LIMIT 1;
EXPLAIN ANALYZE SELECT auction FROM bids;
SET 'output.format' = 'csv';
UNSET 'output.format';
RUN SCRIPT 'more.sql'
