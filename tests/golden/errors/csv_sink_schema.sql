-- A CSV file sink has one header: every INSERT into it writes the same
-- columns in the same order. JSON sinks take any columns.
CREATE SOURCE s (k STRING, v BIGINT, ts TIMESTAMP) WITH (connector = 'file', path = 'in.jsonl', timestamp = 'ts');
CREATE SINK out WITH (connector = 'file', path = 'out.csv', format = 'csv');
CREATE SINK js WITH (connector = 'file', path = 'out.jsonl');
INSERT INTO out SELECT k, v FROM s;
INSERT INTO out SELECT k, v FROM s WHERE v > 1;
INSERT INTO out SELECT v, k FROM s;
INSERT INTO out SELECT k, v, ts FROM s;
INSERT INTO out SELECT k AS v, v AS k FROM s;
INSERT INTO js SELECT k, v FROM s;
INSERT INTO js SELECT ts FROM s;
