-- streamq quick start: the highest bid and the number of bids per auction
-- in 10-second windows, over generated Nexmark bids, printed as a table.
CREATE SOURCE bids WITH (
  connector = 'datagen',
  kind      = 'nexmark_bid',
  count     = 20000,
  seed      = 42,
  timestamp = 'date_time'
);

CREATE SINK console WITH (connector = 'stdout', format = 'table');

INSERT INTO console
SELECT auction,
       COUNT(*)    AS bids,
       MAX(price)  AS top_price,
       WINDOW_START,
       WINDOW_END
FROM bids
WINDOW TUMBLING (SIZE 10 SECONDS)
GROUP BY auction
HAVING COUNT(*) >= 5
EMIT FINAL;
