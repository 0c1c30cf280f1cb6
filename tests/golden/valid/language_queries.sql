-- The query forms of LANGUAGE.md §2: windows, joins, emit modes, limits.
CREATE SOURCE bids (auction BIGINT, bidder BIGINT, price DOUBLE, channel STRING, ts TIMESTAMP)
  WITH (connector = 'file', path = 'bids.jsonl', timestamp = 'ts', watermark_delay = '500 ms');
CREATE SOURCE auctions (id BIGINT, seller BIGINT, category BIGINT, ts TIMESTAMP)
  WITH (connector = 'file', path = 'auctions.jsonl', timestamp = 'ts');
CREATE TABLE users (id STRING PRIMARY KEY, name STRING, tier STRING)
  WITH (connector = 'file', path = 'users.jsonl');
CREATE SINK out WITH (connector = 'file', path = 'out.jsonl');

INSERT INTO out SELECT auction, COUNT(*), SUM(price) AS total, WINDOW_START, WINDOW_END
FROM bids WINDOW TUMBLING (SIZE 1 MINUTE, GRACE PERIOD 10 SECONDS) GROUP BY auction;

INSERT INTO out SELECT auction, COUNT(*) AS n
FROM bids WINDOW HOPPING (SIZE 1 MINUTE, ADVANCE BY 10 SECONDS) GROUP BY auction EMIT FINAL;

INSERT INTO out SELECT bidder, COUNT(*) AS n, WINDOW_START AS ws
FROM bids WINDOW SESSION (GAP 30 SECONDS, GRACE PERIOD 1 SECOND) GROUP BY bidder EMIT CHANGES;

INSERT INTO out SELECT channel, AVG(price) AS avg_price FROM bids GROUP BY channel EMIT CHANGES;

INSERT INTO out SELECT DISTINCT channel FROM bids LIMIT 10;

INSERT INTO out SELECT b.auction, b.price, a.seller
FROM bids b JOIN auctions a WITHIN 1 HOUR ON b.auction = a.id;

INSERT INTO out SELECT b.auction, a.seller
FROM bids AS b LEFT OUTER JOIN auctions AS a WITHIN (5 MINUTES BEFORE, 10 SECONDS AFTER) ON a.id = b.auction AND b.price > 10;

INSERT INTO out SELECT b.auction, a.seller
FROM bids b RIGHT JOIN auctions a WITHIN 2 SECONDS ON b.auction = a.id;

INSERT INTO out SELECT b.auction, a.seller
FROM bids b FULL JOIN auctions a WITHIN 2 SECONDS ON b.auction = a.id;

INSERT INTO out SELECT b.bidder, u.name, u.tier
FROM bids b LEFT JOIN users u ON CAST(b.bidder AS STRING) = u.id;

INSERT INTO out SELECT u.tier, COUNT(*) AS n
FROM bids b JOIN users u ON u.id = b.channel
WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY u.tier HAVING COUNT(*) > 2;

INSERT INTO out SELECT _key, _topic, _partition, _offset, _timestamp, ROWTIME FROM bids;

SELECT * FROM bids WHERE price > 10 LIMIT 5;
SHOW TOPICS; SHOW SOURCES; SHOW TABLES; SHOW SINKS; SHOW STREAMS;
DESCRIBE bids;
DESCRIBE TOPIC 'bids';
PRINT 'bids' FROM BEGINNING LIMIT 3;
PRINT bids;
EXPLAIN SELECT auction FROM bids;
EXPLAIN INSERT INTO out SELECT auction FROM bids;
RUN SCRIPT 'other.sql';
