-- Nexmark q1: currency conversion, dollars (cents) to euros.
CREATE SOURCE bid WITH (connector = 'datagen', kind = 'nexmark_bid', count = 200, seed = 1, timestamp = 'date_time');
CREATE SINK out WITH (connector = 'stdout', format = 'json');
INSERT INTO out SELECT auction, bidder, 0.908 * price AS price, date_time FROM bid;
