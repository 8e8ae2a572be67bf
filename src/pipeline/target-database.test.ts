import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConvertedDatabase } from '../ddl/convert-schema.js';
import { placeDatabases } from './target-database.js';

const db = (crdbName: string, pgName = crdbName): ConvertedDatabase => ({
  crdbName,
  pgName,
  schemas: ['public'],
  preData: [],
  postData: [],
  postDataSteps: [],
  tables: [],
  types: [],
  sequences: [],
});

test('a database named in the target receives a one-database migration; several follow database_mapping, each placement logged', () => {
  const said: string[] = [];
  const logger = { info: (m: string) => void said.push(m) };
  const one = placeDatabases([db('movr')], { postgres_url: 'postgresql://u@h/app', database_mapping: 'database' }, logger);
  assert.deepEqual(
    one.map((d) => d.pgName),
    ['app'],
  );
  assert.match(said[0]!, /database movr → PostgreSQL database "app" \(named in the target connection string\)/);

  said.length = 0;
  const two = placeDatabases([db('movr'), db('bank')], { postgres_url: 'dbname=app host=h', database_mapping: 'database' }, logger);
  assert.deepEqual(
    two.map((d) => d.pgName),
    ['movr', 'bank'],
  );
  assert.equal(said.length, 2);
  assert.match(
    said[1]!,
    /database bank → PostgreSQL database "bank" \(database_mapping: database; the target connection string names "app"/,
  );

  said.length = 0;
  placeDatabases([db('movr', 'app'), db('bank', 'app')], { postgres_url: 'dbname=app', database_mapping: 'schema' }, logger);
  assert.match(said[0]!, /database movr → schema\(s\) public of PostgreSQL database "app" \(database_mapping: schema\)/);

  // Without a database in the connection string, nothing moves.
  assert.deepEqual(
    placeDatabases([db('movr')], { postgres_url: 'host=h', database_mapping: 'database' }, logger).map((d) => d.pgName),
    ['movr'],
  );
});
