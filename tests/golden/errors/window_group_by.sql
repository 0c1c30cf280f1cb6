-- WINDOW_START and WINDOW_END may appear in GROUP BY (a no-op naming the
-- window), but only as they are: an expression over them would be
-- computed before the row has a window.
CREATE SOURCE s (k STRING, ts TIMESTAMP) WITH (connector = 'file', path = 'in.jsonl', timestamp = 'ts');
CREATE SINK out WITH (connector = 'stdout');
INSERT INTO out SELECT k, COUNT(*) AS n FROM s WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY k, WINDOW_START + 1;
INSERT INTO out SELECT k, COUNT(*) AS n FROM s WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY DATE_TRUNC('hour', window_end), k;
INSERT INTO out SELECT k, COUNT(*) AS n FROM s GROUP BY k, WINDOW_START EMIT CHANGES;
