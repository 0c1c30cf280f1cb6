-- partitioned_by names columns of the source.
CREATE SOURCE pay (user_id STRING, card STRING, amount BIGINT, ts TIMESTAMP)
  WITH (connector = 'kafka', topic = 'pay', timestamp = 'ts', partitioned_by = 'user_id, crad');
CREATE SOURCE refunds (user_id STRING, amount BIGINT, ts TIMESTAMP)
  WITH (connector = 'kafka', topic = 'refunds', timestamp = 'ts', partitioned_by = '');
