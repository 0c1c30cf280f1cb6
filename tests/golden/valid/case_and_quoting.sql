-- Keywords in any case; quoted identifiers keep theirs; keywords that are
-- not reserved can name columns; comments of both kinds.
set 'checkpoint.interval' = '1m';
create source "Orders" (
  "Key" string, key string, timestamp timestamp, size bigint, topic string, path string, "select" bigint
) with (connector = 'file', path = 'orders.jsonl', timestamp = 'timestamp');
/* a block
   comment */ create sink s with (connector = 'stdout');
insert into s select "Key", key, size, topic, path, "select", o.timestamp
from "Orders" o where size between 1 and 10 -- trailing comment
