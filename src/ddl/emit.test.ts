import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertShowCreate } from '../show-create/convert-show-create.js';
import { convertSchema, DEFAULT_CONVERT_OPTIONS, type PostDataStep } from './convert-schema.js';

// MovR's shape (CockroachDB's movr example): keys, secondary indexes, foreign keys in both
// directions, a check, a view, a comment.
const SHOW_CREATE = `
CREATE TABLE public.users (
  id UUID NOT NULL, city VARCHAR NOT NULL, name VARCHAR NULL,
  CONSTRAINT users_pkey PRIMARY KEY (city ASC, id ASC)
);
CREATE TABLE public.vehicles (
  id UUID NOT NULL, city VARCHAR NOT NULL, owner_id UUID NULL,
  CONSTRAINT vehicles_pkey PRIMARY KEY (city ASC, id ASC),
  INDEX vehicles_auto_index_fk_city_ref_users (city ASC, owner_id ASC)
);
CREATE TABLE public.rides (
  id UUID NOT NULL, city VARCHAR NOT NULL, vehicle_city VARCHAR NULL, rider_id UUID NULL, vehicle_id UUID NULL,
  CONSTRAINT rides_pkey PRIMARY KEY (city ASC, id ASC),
  INDEX rides_auto_index_fk_city_ref_users (city ASC, rider_id ASC),
  UNIQUE INDEX rides_vehicle (vehicle_city ASC, vehicle_id ASC, id ASC),
  CONSTRAINT check_vehicle_city_city CHECK (vehicle_city = city)
);
CREATE VIEW public.riders (id) AS SELECT id FROM public.users;
ALTER TABLE public.vehicles ADD CONSTRAINT fk_city_ref_users FOREIGN KEY (city, owner_id) REFERENCES public.users(city, id);
ALTER TABLE public.rides ADD CONSTRAINT fk_city_ref_users FOREIGN KEY (city, rider_id) REFERENCES public.users(city, id);
ALTER TABLE public.rides ADD CONSTRAINT fk_vehicle_city_ref_vehicles FOREIGN KEY (vehicle_city, vehicle_id) REFERENCES public.vehicles(city, id);
COMMENT ON TABLE public.rides IS 'trips';
`;

function steps(): PostDataStep[] {
  const { catalog } = convertShowCreate(SHOW_CREATE, { database: 'movr' });
  const db = convertSchema(catalog, DEFAULT_CONVERT_OPTIONS).databases[0]!;
  assert.deepEqual(
    db.postData,
    db.postDataSteps.map((s) => s.sql),
    'postData is the steps in order',
  );
  return [...db.postDataSteps];
}

const find = (all: PostDataStep[], re: RegExp): number => {
  const i = all.findIndex((s) => re.test(s.sql));
  assert.ok(i >= 0, `a step matches ${re}`);
  return i;
};

/** Every step a step waits for, transitively. */
function before(all: PostDataStep[], i: number, seen = new Set<number>()): Set<number> {
  for (const k of all[i]!.after) if (!seen.has(k)) before(all, k, seen.add(k));
  return seen;
}

test('post-data steps: a table waits only for itself; keys first; foreign keys after both tables, one at a time', () => {
  const all = steps();
  const ridesPk = find(all, /^ALTER TABLE "public"\."rides" ADD CONSTRAINT "rides_pkey" PRIMARY KEY/);
  const ridesIdx = find(all, /^CREATE INDEX "rides_auto_index_fk_city_ref_users"/);
  const ridesUnique = find(all, /^CREATE UNIQUE INDEX "rides_vehicle"/);
  const usersPk = find(all, /"users_pkey" PRIMARY KEY/);
  const vehiclesPk = find(all, /"vehicles_pkey" PRIMARY KEY/);
  const vehiclesIdx = find(all, /^CREATE INDEX "vehicles_auto_index_fk_city_ref_users"/);
  const check = find(all, /ADD CONSTRAINT "check_vehicle_city_city" CHECK/);
  const checkValidate = find(all, /VALIDATE CONSTRAINT "check_vehicle_city_city"/);
  const fkRidesUsers = find(all, /^ALTER TABLE "public"\."rides" ADD CONSTRAINT "fk_city_ref_users" FOREIGN KEY/);
  const fkRidesVehicles = find(all, /ADD CONSTRAINT "fk_vehicle_city_ref_vehicles" FOREIGN KEY/);
  const fkVehiclesUsers = find(all, /^ALTER TABLE "public"\."vehicles" ADD CONSTRAINT "fk_city_ref_users" FOREIGN KEY/);
  const validateRidesVehicles = find(all, /VALIDATE CONSTRAINT "fk_vehicle_city_ref_vehicles"/);

  // Table-local steps name their table only, so they can run while other tables load.
  for (const i of [ridesPk, ridesIdx, ridesUnique, check, checkValidate])
    assert.deepEqual(all[i]!.tables, ['"public"."rides"'], all[i]!.sql);
  assert.deepEqual(all[usersPk]!.after, []);
  assert.deepEqual(all[ridesIdx]!.after, [ridesPk], 'indexes wait for their own primary key only');
  assert.deepEqual(all[ridesUnique]!.after, [ridesPk]);
  assert.ok(before(all, check).has(ridesIdx) && before(all, check).has(ridesPk), 'a check waits for its table’s builds');
  assert.deepEqual(all[checkValidate]!.after, [check]);

  // A foreign key names both tables and waits for every step on both.
  assert.deepEqual([...all[fkRidesVehicles]!.tables].sort(), ['"public"."rides"', '"public"."vehicles"']);
  const fkBefore = before(all, fkRidesVehicles);
  for (const i of [ridesPk, ridesIdx, ridesUnique, check, checkValidate, vehiclesPk, vehiclesIdx])
    assert.ok(fkBefore.has(i), `FK waits for ${all[i]!.sql}`);
  // Foreign-key ADDs are chained: no two run at once.
  const adds = [fkVehiclesUsers, fkRidesUsers, fkRidesVehicles].sort((a, b) => a - b);
  assert.ok(all[adds[1]!]!.after.includes(adds[0]!) && all[adds[2]!]!.after.includes(adds[1]!), 'each FK ADD waits for the previous one');
  assert.deepEqual(all[validateRidesVehicles]!.after, [fkRidesVehicles]);

  // Views, comments and sequence positions run last, after everything.
  const view = find(all, /^CREATE VIEW "public"\."riders"/);
  const comment = find(all, /^COMMENT ON TABLE "public"\."rides"/);
  for (const i of [view, comment]) assert.equal(all[i]!.barrier, true, all[i]!.sql);
  const firstBarrier = all.findIndex((s) => s.barrier);
  assert.ok(
    all.slice(firstBarrier).every((s) => s.barrier),
    'barrier steps come last',
  );
  // Dependencies point at existing steps and never form a cycle.
  all.forEach((s, i) => {
    for (const k of s.after) assert.ok(k >= 0 && k < all.length && k !== i, `${i} → ${k}`);
    assert.ok(!before(all, i).has(i), `step ${i} does not wait for itself`);
  });
});
