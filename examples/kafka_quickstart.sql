-- The whole Kafka path on one machine, no Kafka installed:
--   streamq run examples/kafka_quickstart.sql --embedded-broker
-- One query writes generated Nexmark bids into the topic `bids` (keyed by
-- auction); another reads the topic back and counts bids per auction in
-- 10-second windows into out/kafka_quickstart.jsonl. Kafka sources never
-- end: watch the file grow, then stop with Ctrl-C.
CREATE SOURCE generated WITH (connector = 'datagen', kind = 'nexmark_bid', count = 50000, seed = 7);
CREATE SINK bids_topic WITH (connector = 'kafka', topic = 'bids', format = 'json', key = 'auction');
INSERT INTO bids_topic SELECT auction, bidder, price, channel, date_time FROM generated;

CREATE SOURCE bids (auction BIGINT, bidder BIGINT, price BIGINT, channel STRING, date_time TIMESTAMP)
  WITH (connector = 'kafka', topic = 'bids', timestamp = 'date_time',
        watermark_delay = '1 second', idle_timeout = '3 seconds');
CREATE SINK windows WITH (connector = 'file', path = 'out/kafka_quickstart.jsonl');
INSERT INTO windows
SELECT auction, COUNT(*) AS bids, MAX(price) AS top_price, WINDOW_START AS window_start
FROM bids
WINDOW TUMBLING (SIZE 10 SECONDS)
GROUP BY auction;
