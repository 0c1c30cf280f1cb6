-- Forms ksqlDB and Flink SQL users write that streamq accepts as they are:
-- quoted option names, WINDOW before WHERE, SESSION without GAP, INTERVAL
-- durations. A column may still be called interval.
CREATE SOURCE bids (auction BIGINT, price DOUBLE, interval BIGINT, ts TIMESTAMP)
  WITH ('connector' = 'file', 'path' = 'bids.jsonl', 'format' = 'json', timestamp = 'ts');
CREATE SOURCE auctions (id BIGINT, seller BIGINT, ts TIMESTAMP)
  WITH (connector = 'file', path = 'auctions.jsonl', 'timestamp' = 'ts');
CREATE SINK out WITH ('connector' = 'stdout');

INSERT INTO out SELECT auction, COUNT(*) AS n
FROM bids WINDOW TUMBLING (SIZE 1 MINUTE) WHERE price > 1 GROUP BY auction;

INSERT INTO out SELECT auction, COUNT(*) AS n, WINDOW_END
FROM bids WINDOW HOPPING (SIZE INTERVAL '1' MINUTE, ADVANCE BY INTERVAL '10' SECONDS, GRACE PERIOD INTERVAL '5 seconds')
WHERE interval > 0 GROUP BY auction EMIT CHANGES;

INSERT INTO out SELECT auction, COUNT(*) AS n
FROM bids WINDOW SESSION (30 SECONDS) GROUP BY auction;

INSERT INTO out SELECT auction, COUNT(*) AS n
FROM bids WINDOW SESSION (INTERVAL '1' MINUTE, GRACE PERIOD INTERVAL '1' SECOND) GROUP BY auction;

INSERT INTO out SELECT b.auction, a.seller
FROM bids b JOIN auctions a WITHIN INTERVAL '1' HOUR ON b.auction = a.id;

INSERT INTO out SELECT b.auction, a.seller
FROM bids b JOIN auctions a WITHIN (INTERVAL '5' MINUTES BEFORE, INTERVAL '1 hour' AFTER) ON b.auction = a.id;
