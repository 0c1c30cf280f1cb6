// DuckDB's batch GROUP BY over the same JSONL file: the tumbling-window
// query written as a plain aggregation on a computed window start.
// Usage: node duckdb_groupby.mjs FILE  (prints the row count)
import { DuckDBInstance } from '@duckdb/node-api';

const file = process.argv[2];
const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
const reader = await connection.runAndReadAll(`
  SELECT count(*) FROM (
    SELECT auction, ts // 10000 * 10000 AS window_start, count(*) AS bids, sum(price) AS volume, max(price) AS top
    FROM read_json('${file}', format = 'newline_delimited',
                   columns = {auction: 'BIGINT', bidder: 'BIGINT', price: 'BIGINT', channel: 'VARCHAR', ts: 'BIGINT'})
    GROUP BY ALL)`);
console.log(`${reader.getRows()[0][0]} rows`);
