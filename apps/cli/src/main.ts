import 'reflect-metadata';

import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

import { LoginThrottle } from '@latchkey/auth';
import { AuditAction, AuditService } from '@latchkey/audit';
import { ConfigValidationError, dataSourceOptions, databaseTarget, loadConfig, runMigrations } from '@latchkey/core';
import { DEMO_PASSWORD, PlatformModule, seedDemo } from '@latchkey/platform';
import { UsersService } from '@latchkey/users';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';

const USAGE = `Usage: npm run cli -- <command>
  migration:run                      apply pending migrations to DATABASE_URL (advisory-locked)
  migration:generate <Name>          generate a migration from the entities (then read and trim it)
  staff:grant <email> support|support_lead
  staff:revoke <email>
  users:unlock <email>               lift a sign-in lockout
  seed:demo                          the idempotent demo data`;

async function withApp<T>(fn: (app: Awaited<ReturnType<typeof NestFactory.createApplicationContext>>) => Promise<T>): Promise<T> {
  const app = await NestFactory.createApplicationContext(PlatformModule.forRoot({ config: loadConfig() }), { logger: ['error', 'warn'] });
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case 'migration:run': {
      const ds = new DataSource(dataSourceOptions(databaseTarget(loadConfig())));
      await ds.initialize();
      const applied = await runMigrations(ds);
      await ds.destroy();
      console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'No pending migrations.');
      return 0;
    }
    case 'migration:generate': {
      if (!args[0] || !/^[A-Z][A-Za-z0-9]+$/.test(args[0])) {
        console.error('Give the migration a PascalCase name.');
        return 2;
      }
      const dataSource = path.resolve(__dirname, '../../../libs/core/src/database/data-source.js');
      const out = path.resolve(process.cwd(), 'libs/core/src/database/migrations', args[0]);
      const res = spawnSync('npx', ['typeorm', 'migration:generate', '-d', dataSource, out], { stdio: 'inherit' });
      return res.status ?? 1;
    }
    case 'staff:grant':
    case 'staff:revoke': {
      const [email, role] = args;
      if (!email || (command === 'staff:grant' && role !== 'support' && role !== 'support_lead')) {
        console.error(USAGE);
        return 2;
      }
      return withApp(async (app) => {
        const users = app.get(UsersService);
        const user = await users.findByEmail(email);
        if (!user) {
          console.error(`No user with the email ${email}.`);
          return 1;
        }
        const staffRole = command === 'staff:grant' ? (role as 'support' | 'support_lead') : null;
        await users.setStaffRole(user.id, staffRole);
        await app.get(AuditService).record({
          action: staffRole ? AuditAction.StaffGranted : AuditAction.StaffRevoked,
          actorKind: 'system',
          subjectUserId: user.id,
          metadata: { role: staffRole, via: 'cli' },
        });
        console.log(staffRole ? `${email} is now ${staffRole}.` : `${email} is no longer staff.`);
        return 0;
      });
    }
    case 'users:unlock': {
      if (!args[0]) {
        console.error(USAGE);
        return 2;
      }
      return withApp(async (app) => {
        await app.get(LoginThrottle).unlock(args[0]);
        const user = await app.get(UsersService).findByEmail(args[0]);
        await app
          .get(AuditService)
          .record({ action: AuditAction.AccountUnlocked, actorKind: 'system', subjectUserId: user?.id ?? null, metadata: { via: 'cli' } });
        console.log(`Sign-in for ${args[0]} is unlocked.`);
        return 0;
      });
    }
    case 'seed:demo':
      return withApp(async (app) => {
        const signIns = await seedDemo(app);
        console.log(`Demo data is in place. Password for all: ${DEMO_PASSWORD}`);
        signIns.forEach((s) => console.log(`  ${s.email.padEnd(28)} ${s.role}`));
        return 0;
      });
    default:
      console.error(USAGE);
      return command ? 2 : 0;
  }
}

main(process.argv.slice(2))
  .then((code) => process.exit(code))
  .catch((err) => {
    if (err instanceof ConfigValidationError) {
      console.error(err.message);
      process.exit(1);
    }
    console.error(err);
    process.exit(1);
  });
