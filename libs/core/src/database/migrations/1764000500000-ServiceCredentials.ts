import { MigrationInterface, QueryRunner } from 'typeorm';

/** Named, scoped service credentials of the host application, stored as hashes (issue 18). */
export class ServiceCredentials1764000500000 implements MigrationInterface {
  name = 'ServiceCredentials1764000500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE service_credentials (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        scopes text[] NOT NULL,
        secret_hash text NOT NULL,
        secret_hint text NOT NULL,
        previous_secret_hash text,
        previous_expires_at timestamptz,
        created_at timestamptz NOT NULL,
        created_by text NOT NULL,
        rotated_at timestamptz,
        last_used_at timestamptz,
        revoked_at timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX service_credentials_secret ON service_credentials (secret_hash)`);
    await q.query(
      `CREATE INDEX service_credentials_previous_secret ON service_credentials (previous_secret_hash) WHERE previous_secret_hash IS NOT NULL`,
    );
    await q.query(`CREATE UNIQUE INDEX service_credentials_active_name ON service_credentials (name) WHERE revoked_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE service_credentials`);
  }
}
