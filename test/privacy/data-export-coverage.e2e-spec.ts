import { DataExportParts } from '@latchkey/core';
import { DATA_EXPORT_EXCLUSIONS } from '../../libs/exports/src/export-exclusions';
import { REQUIRED_EXPORT_AREAS } from '../../libs/exports/src/exports.constants';

import { TestApp, createTestApp } from '../setup/test-app';

/**
 * Every table of the schema with a column that points at a user: a foreign key to users, a column
 * named like `*user_id`, or the users table itself. Read from the migrated database, so a new lib's
 * table is found the moment its migration runs.
 */
async function userTables(t: TestApp): Promise<Map<string, string[]>> {
  const rows: Array<{ table_name: string; column_name: string }> = await t.dataSource.query(
    `SELECT c.table_name, c.column_name
       FROM information_schema.columns c
       JOIN information_schema.tables tb ON tb.table_schema = c.table_schema AND tb.table_name = c.table_name AND tb.table_type = 'BASE TABLE'
      WHERE c.table_schema = current_schema()
        AND (c.table_name = 'users'
             OR c.column_name ~ '(^|_)user_id$'
             OR EXISTS (
               SELECT 1 FROM pg_constraint k
                JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = ANY(k.conkey)
               WHERE k.contype = 'f' AND k.conrelid = (quote_ident(c.table_schema) || '.' || quote_ident(c.table_name))::regclass
                 AND k.confrelid = 'users'::regclass AND a.attname = c.column_name))
      ORDER BY c.table_name, c.column_name`,
  );
  const tables = new Map<string, string[]>();
  for (const r of rows) {
    tables.set(r.table_name, [...(tables.get(r.table_name) ?? []), r.column_name]);
  }
  return tables;
}

describe('So no lib can forget its data: every table about a user is in the export or excluded with a reason', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ workers: false });
  });

  afterAll(async () => {
    await t?.close();
  });

  it('finds the tables that point at a user (the check itself sees them)', async () => {
    const tables = await userTables(t);
    expect([...tables.keys()]).toEqual(
      expect.arrayContaining(['users', 'sessions', 'login_activity', 'audit_log', 'mfa_factors', 'memberships', 'support_ticket_checks']),
    );
    expect(tables.get('audit_log')).toEqual(['actor_user_id', 'subject_user_id']);
    expect(tables.get('support_tickets')).toEqual(expect.arrayContaining(['approver_id', 'user_id', 'verifier_id']));
  });

  it('covers each of them by a registered part, or by the exclusion list with its reason', async () => {
    const parts = t.app.get(DataExportParts).all();
    const covered = new Set(parts.flatMap((p) => p.tables));
    const uncovered = [...(await userTables(t)).keys()].filter((table) => !covered.has(table) && !(table in DATA_EXPORT_EXCLUSIONS));
    expect(uncovered).toEqual([]);
  });

  it('keeps the exclusion list honest: each entry is a real table, not also exported, and gives a reason', async () => {
    const tables = await userTables(t);
    const covered = new Set(
      t.app
        .get(DataExportParts)
        .all()
        .flatMap((p) => p.tables),
    );
    for (const [table, reason] of Object.entries(DATA_EXPORT_EXCLUSIONS)) {
      expect({ table, known: tables.has(table), exported: covered.has(table) }).toEqual({ table, known: true, exported: false });
      expect(reason.length).toBeGreaterThan(20);
    }
  });

  it('has every required area registered, each naming only tables that exist', async () => {
    const parts = t.app.get(DataExportParts).all();
    expect(parts.map((p) => p.area)).toEqual(expect.arrayContaining([...REQUIRED_EXPORT_AREAS]));
    const existing: Array<{ table_name: string }> = await t.dataSource.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`,
    );
    const names = new Set(existing.map((r) => r.table_name));
    expect(parts.flatMap((p) => p.tables).filter((table) => !names.has(table))).toEqual([]);
  });
});
