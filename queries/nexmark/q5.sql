-- Nexmark q5 (hot items), the counting part: bids per auction over
-- sliding 10-second windows that advance every 2 seconds; the hottest
-- auctions are those with the highest counts in a window.
CREATE SOURCE bid WITH (connector = 'datagen', kind = 'nexmark_bid', count = 5000, seed = 1, timestamp = 'date_time');
CREATE SINK out WITH (connector = 'stdout', format = 'json');
INSERT INTO out
SELECT auction, COUNT(*) AS num, WINDOW_START AS starttime, WINDOW_END AS endtime
FROM bid
WINDOW HOPPING (SIZE 10 SECONDS, ADVANCE BY 2 SECONDS)
GROUP BY auction
HAVING COUNT(*) >= 25;
