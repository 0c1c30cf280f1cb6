-- Nexmark q2: selection, the bids on a fixed set of auctions.
CREATE SOURCE bid WITH (connector = 'datagen', kind = 'nexmark_bid', count = 20000, seed = 1, timestamp = 'date_time');
CREATE SINK out WITH (connector = 'stdout', format = 'json');
INSERT INTO out SELECT auction, price FROM bid WHERE auction % 123 = 0;
