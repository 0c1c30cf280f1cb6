-- What ksqlDB and Flink SQL users write, and the hint streamq gives.
CREATE STREAM pageviews (page STRING, ts TIMESTAMP) WITH (kafka_topic = 'pageviews', value_format = 'JSON', partitions = 3);
CREATE SOURCE a (x BIGINT) WITH ('connector' = 'kafka', 'topic' = 'a', 'properties.bootstrap.servers' = 'localhost:9092',
  'properties.group.id' = 'g', 'scan.startup.mode' = 'earliest-offset', 'value.format' = 'json', key_format = 'kafka');
CREATE SOURCE b (x BIGINT) WITH (conector = 'kafka', topic = 'b');
CREATE SOURCE c (x BIGINT) WITH (connector = 'filesystem', path = 'c.csv', value_delimiter = ';', timestmp = 'x');
CREATE SOURCE d WITH (connector = 'datagen', kind = 'sequence', 'rows-per-second' = 10, 'number-of-rows' = 100);
CREATE SINK e WITH (connector = 'print');
CREATE SINK f WITH (connector = 'kafka', topic = 'f', 'sink.delivery-guarantee' = 'exactly-once', 'key.fields' = 'x');
CREATE SINK g WITH (connector = 'file', path = 'g', kafka_topic = 'g');
CREATE TABLE totals AS SELECT x, COUNT(*) AS n FROM a GROUP BY x EMIT CHANGES;
INSERT INTO f SELECT x, n FROM totals;
INSERT INTO f SELECT x, WINDOWSTART, WINDOWEND, ROWPARTITION, ROWOFFSET FROM a WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY x;
INSERT INTO f SELECT ROWKEY, page FROM pageviews;
CREATE TABLE clicks (url STRING, ts TIMESTAMP) WITH ('connector' = 'kafka', 'topic' = 'clicks');
