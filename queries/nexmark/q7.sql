-- Nexmark q7 (highest bid), the windowed part: the highest price bid in
-- each 10-second window.
CREATE SOURCE bid WITH (connector = 'datagen', kind = 'nexmark_bid', count = 20000, seed = 1, timestamp = 'date_time');
CREATE SINK out WITH (connector = 'stdout', format = 'json');
INSERT INTO out
SELECT MAX(price) AS max_price, COUNT(*) AS bids, WINDOW_START AS starttime, WINDOW_END AS endtime
FROM bid
WINDOW TUMBLING (SIZE 10 SECONDS);
