SELECT
  a OR b AND NOT c,
  x = 1, x <> 2, x != 3, x < 4, x <= 5, x > 6, x >= 7,
  a || b + c * d - e / f % g, -x, +y,
  x IS NULL, x IS NOT NULL, x IN (1, 2), x NOT IN ('a'), x BETWEEN 1 AND 2, x NOT BETWEEN 1 AND 2,
  s LIKE 'a%', s NOT LIKE 'b_',
  CASE WHEN x > 0 THEN 'pos' ELSE 'neg' END, CASE x WHEN 1 THEN 'one' END,
  CAST(x AS DOUBLE), EXTRACT(HOUR FROM ts), COUNT(DISTINCT x), COUNT(*), NOW(), ROUND(x, 2),
  'it''s', 42, 1.5, TRUE, FALSE, NULL, TIMESTAMP '2026-01-01 00:00:00', "Quoted", t.col
FROM t
