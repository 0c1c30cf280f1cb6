// DuckDB's batch GROUP BY over a JSONL file, as an analyst would run it:
// bench/run passes the statement, a COPY (SELECT ...) TO 'file' that writes
// every result row, so DuckDB does the same work as streamq's file sink.
// Usage: node duckdb_groupby.mjs 'COPY (...) TO ...'  (prints the rows written)
import { DuckDBInstance } from '@duckdb/node-api';

const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
const result = await connection.run(process.argv[2]);
console.log(`${result.rowsChanged} rows`);
