-- The statements of LANGUAGE.md §1, as written there.
SET 'kafka.bootstrap.servers' = '127.0.0.1:9092';   -- pipeline-level setting
SET 'checkpoint.interval' = '5 seconds';

CREATE SOURCE bids (
  auction  BIGINT,
  bidder   BIGINT,
  price    DOUBLE,
  channel  STRING,
  ts       TIMESTAMP
) WITH (
  connector       = 'kafka',        -- kafka | file | datagen
  topic           = 'bids',
  format          = 'json',         -- json | csv
  timestamp       = 'ts',           -- event-time column (default: Kafka record timestamp)
  watermark_delay = '2 seconds',    -- bounded out-of-orderness
  idle_timeout    = '10 seconds',   -- a silent partition stops holding the watermark back
  on_error        = 'dlq',          -- fail | skip | dlq  (bad records)
  dlq_topic       = 'bids_dlq'
);

CREATE TABLE users (
  id   STRING PRIMARY KEY,
  name STRING,
  tier STRING
) WITH (connector = 'kafka', topic = 'users', format = 'json');
-- A TABLE is a changelog: the latest row per PRIMARY KEY; a row whose
-- non-key columns are all NULL (or a Kafka tombstone) deletes the key.

CREATE SINK alerts WITH (connector = 'kafka', topic = 'alerts', format = 'json', key = 'bidder');
CREATE SINK hook   WITH (connector = 'http', url = 'http://127.0.0.1:8080/hook',
                         headers = 'Authorization: Bearer ${HOOK_TOKEN}');
CREATE SINK out    WITH (connector = 'file', path = 'out/results.jsonl', format = 'json');
CREATE SINK console WITH (connector = 'stdout');

CREATE STREAM big_bids AS SELECT * FROM bids WHERE price > 1000;  -- named derived stream

INSERT INTO out SELECT bidder, price FROM big_bids;     -- a continuous query; a file may hold many
INSERT INTO alerts SELECT bidder, COUNT(*) AS n FROM bids WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY bidder;
