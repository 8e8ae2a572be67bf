/**
 * Hand-built reports for the renderer tests (@internal): a clean success, a mismatch with
 * differing keys, and a failure with an error, schema decisions and hostile names.
 */
import type { Decision } from '../../ddl/decision.js';
import { verdictOf, type MigrationReport, type TableReport } from '../model.js';

type Draft = Omit<MigrationReport, 'verdict'>;
const finish = (d: Draft): MigrationReport => ({ ...d, verdict: verdictOf(d) });

function load(source: string, on: TableReport['on'], rows: number, over: Partial<TableReport> = {}): TableReport {
  return {
    source,
    target: source,
    on,
    columns: 4,
    rowsLoaded: rows,
    rejectedRows: 0,
    bytes: rows * 87,
    loadSeconds: rows / 250_000,
    resumed: false,
    ...over,
  };
}

const verified = (rows: bigint, checksum: bigint, seconds = 0.8): NonNullable<TableReport['verification']> => ({
  sourceRows: rows,
  targetRows: rows,
  sourceChecksum: checksum,
  targetChecksum: checksum,
  match: true,
  differingKeys: [],
  seconds,
});

const asIs = (object: string): Decision => ({ object, kind: 'as-is', what: 'created unchanged', why: 'same meaning in PostgreSQL' });

/** Three tables of `shop` (one in schema `sales`) loaded into the target, all identical. */
export function successReport(): MigrationReport {
  return finish({
    tool: { name: 'cockroach-migrate', version: '0.2.0' },
    startedAt: new Date('2026-03-14T09:00:00.000Z'),
    finishedAt: new Date('2026-03-14T09:02:05.500Z'),
    source: { kind: 'backup', description: 's3://acme-backups/shop/2026/03/14-090000.00' },
    targets: [{ label: 'target', description: 'postgres@pg.internal:5432' }],
    databases: [{ source: 'shop', target: 'shop', tables: 3, views: 0, sequences: 1, types: 1 }],
    decisions: [
      asIs('table shop.public.customers'),
      asIs('table shop.public.orders'),
      asIs('table shop.sales.invoices'),
      asIs('type shop.public.order_status'),
    ],
    phases: [
      { name: 'read source', status: 'ok', seconds: 12.25 },
      { name: 'convert schema', status: 'ok', seconds: 0.04 },
      { name: 'load (target)', status: 'ok', seconds: 96.5 },
      { name: 'verify (target)', status: 'ok', seconds: 16.7 },
    ],
    tables: [
      load('shop.public.customers', 'target', 48_213, { verification: verified(48_213n, 0x1f2e3d4c5b6a7988n) }),
      load('shop.public.orders', 'target', 1_234_567, { columns: 9, verification: verified(1_234_567n, -0x0123456789abcdefn, 14.2) }),
      load('shop.sales.invoices', 'target', 0, { verification: verified(0n, 0n, 0.01) }),
    ],
    warnings: [],
  });
}

/**
 * `shop.public.orders` differs on the target (two rows missing, one changed), identical on the
 * test instance; 2 rejected rows; one schema change.
 */
export function mismatchReport(): MigrationReport {
  const base = successReport();
  const orders = (on: TableReport['on'], match: boolean): TableReport =>
    load('shop.public.orders', on, match ? 1_234_567 : 1_234_565, {
      rejectedRows: match ? 0 : 2,
      verification: {
        sourceRows: 1_234_567n,
        targetRows: match ? 1_234_567n : 1_234_565n,
        sourceChecksum: -81985529216486895n,
        targetChecksum: match ? -81985529216486895n : 6148914691236517205n,
        match,
        differingKeys: match ? [] : ['(-7)', '(1048576)', "('o''brien', 3)"],
        seconds: 14.2,
      },
    });
  return finish({
    ...base,
    targets: [
      { label: 'test instance', description: 'temporary PostgreSQL 16.4 on 127.0.0.1:54329' },
      { label: 'target', description: 'postgres@pg.internal:5432' },
    ],
    decisions: [
      ...base.decisions,
      {
        object: 'column shop.public.orders.total',
        kind: 'changed',
        what: 'DECIMAL(12,2) kept, default 0:::DECIMAL written as 0',
        why: 'PostgreSQL has no ::: casts',
      },
    ],
    tables: [base.tables[0]!, orders('test instance', true), orders('target', false), base.tables[2]!],
    warnings: ['2 rows of shop.public.orders were rejected by PostgreSQL and written to rejects/shop.public.orders.csv'],
  });
}

/** Stopped while loading; decisions of every kind; a table and keys named like markup. */
export function failedReport(): MigrationReport {
  return finish({
    tool: { name: 'cockroach-migrate', version: '0.2.0' },
    startedAt: new Date('2026-03-14T10:00:00.000Z'),
    finishedAt: new Date('2026-03-14T10:00:41.000Z'),
    source: { kind: 'store', description: '/var/lib/cockroach-data (v23.1.11)' },
    targets: [{ label: 'test instance', description: 'temporary PostgreSQL 16.4 on 127.0.0.1:54329' }],
    databases: [{ source: 'app', target: 'app', tables: 2, views: 1, sequences: 0, types: 0 }],
    decisions: [
      asIs('table app.public.users'),
      { object: 'table app.public.users', kind: 'changed', what: 'FAMILY f1 (id, name) dropped', why: 'PostgreSQL has no column families' },
      {
        object: 'index app.public.users@users_name_idx',
        kind: 'changed',
        what: 'STORING (email) became INCLUDE (email)',
        why: 'same covering index, PostgreSQL spelling',
      },
      {
        object: 'view app.public.<script>alert(1)</script>',
        kind: 'not-convertible',
        what: 'view not created',
        why: 'uses crdb_internal.node_id() & "AS OF SYSTEM TIME"',
        fix: 'rewrite the view by hand after the migration',
      },
    ],
    phases: [
      { name: 'read source', status: 'ok', seconds: 3.5 },
      { name: 'convert schema', status: 'ok', seconds: 0.02 },
      { name: 'load (test instance)', status: 'failed', seconds: 37.1, detail: 'COPY failed on app.public.events' },
      { name: 'verify (test instance)', status: 'skipped', seconds: 0 },
    ],
    tables: [
      load('app.public.users', 'test instance', 5_000, { resumed: true }),
      load('app.public.<script>alert(1)</script>', 'test instance', 12, {
        target: 'app.public."<script>alert(1)</script>"',
        rejectedRows: 1,
      }),
    ],
    warnings: ['tables <b>x</b> & y: could not read zone configs'],
    error:
      'load: COPY into app.public.events failed at key /Table/108/1/42: invalid byte sequence for encoding "UTF8": 0xff; fix the source row or rerun with --on-bad-row reject',
  });
}
