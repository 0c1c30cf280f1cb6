SELECT a FROM t /* never closed
SELECT 1 FROM y;
