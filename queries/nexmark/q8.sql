-- Nexmark q8 (monitor new users): persons who registered and opened an
-- auction in the same 10-second window. Both sides are windowed
-- aggregations; their results are joined on the seller and the window.
CREATE SOURCE person WITH (connector = 'datagen', kind = 'nexmark_person', count = 300, seed = 1, timestamp = 'date_time');
CREATE SOURCE auction WITH (connector = 'datagen', kind = 'nexmark_auction', count = 900, seed = 1, timestamp = 'date_time');
CREATE SINK out WITH (connector = 'stdout', format = 'json');
CREATE STREAM new_persons AS
  SELECT id, name, WINDOW_START AS starttime FROM person WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY id, name;
CREATE STREAM new_sellers AS
  SELECT seller, WINDOW_START AS starttime FROM auction WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY seller;
INSERT INTO out
SELECT P.id, P.name, P.starttime
FROM new_persons AS P JOIN new_sellers AS A WITHIN 10 SECONDS ON P.id = A.seller AND P.starttime = A.starttime;
