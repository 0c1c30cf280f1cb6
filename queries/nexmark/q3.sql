-- Nexmark q3 (local item suggestion): who is selling in category 10 in
-- Oregon, Idaho or California? Auctions (a stream) are joined with the
-- person table (a changelog keyed by id, read in full before the first
-- auction is joined).
CREATE TABLE person (id BIGINT PRIMARY KEY, name STRING, city STRING, state STRING)
  WITH (connector = 'datagen', kind = 'nexmark_person', count = 200, seed = 1);
CREATE SOURCE auction WITH (connector = 'datagen', kind = 'nexmark_auction', count = 3000, seed = 1, timestamp = 'date_time');
CREATE SINK out WITH (connector = 'stdout', format = 'json');
INSERT INTO out
SELECT P.name, P.city, P.state, A.id
FROM auction AS A JOIN person AS P ON A.seller = P.id
WHERE A.category = 10 AND (P.state = 'OR' OR P.state = 'ID' OR P.state = 'CA');
