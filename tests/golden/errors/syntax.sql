-- Syntax errors: each statement is reported, parsing resumes at ';'.
SELECT a FROM FROM b;
SELECT a, FROM b;
CREATE SOURCE x (a BIGINT) WITH (connector = 'file', path = 'x');
SELECT # FROM t;
SELECT 99999999999999999999 FROM t;
SELECT 1e999 FROM t;
CREATE SINK WITH (connector = 'stdout');
SELECT a FROM t WINDOW TUMBLING (SIZE 1 PARSEC);
SELECT COUNT(*) FROM t WINDOW TUMBLING (SIZE 9999999999999 DAYS);
SELECT 1 FROM bids, bids;
SELECT a FROM t WHERE
