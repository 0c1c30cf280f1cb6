-- Nexmark q0: pass-through. Measures the cost of reading, decoding and
-- writing records with no work in between.
CREATE SOURCE bid WITH (connector = 'datagen', kind = 'nexmark_bid', count = 200, seed = 1, timestamp = 'date_time');
CREATE SINK out WITH (connector = 'stdout', format = 'json');
INSERT INTO out SELECT auction, bidder, price, channel, url, date_time, extra FROM bid;
