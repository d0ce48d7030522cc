import * as fs from 'node:fs';
import * as path from 'node:path';

import { EnvironmentVariables } from '@latchkey/core';
import { getMetadataStorage } from 'class-validator';
import { load } from 'js-yaml';

const ROOT = path.resolve(__dirname, '../..');

interface ComposeService {
  command?: string[];
  environment?: Record<string, string>;
  deploy?: { replicas?: number };
  volumes?: string[];
}

/** Every setting Latchkey reads, from the one validated class of libs/core/src/config. */
function knownSettings(): Set<string> {
  const metas = getMetadataStorage().getTargetValidationMetadatas(EnvironmentVariables, '', true, false);
  return new Set(metas.map((m) => m.propertyName));
}

describe('Deployment files', () => {
  const compose = load(fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8')) as { services: Record<string, ComposeService> };
  const apps = Object.entries(compose.services).filter(([, s]) => (s.command ?? []).some((c) => c.startsWith('dist/apps/')));

  it('docker-compose.yml parses and runs two API replicas, two workers, a balancer and a migration', () => {
    expect(compose.services.api.deploy?.replicas).toBe(2);
    expect(compose.services.worker.deploy?.replicas).toBe(2);
    expect(compose.services.lb.volumes).toEqual(expect.arrayContaining([expect.stringMatching(/deploy\/haproxy\.cfg/)]));
    expect(compose.services.migrate.command).toEqual(expect.arrayContaining(['migration:run']));
    expect(compose.services.postgres.volumes).toEqual(expect.arrayContaining([expect.stringMatching(/^pgdata:/)]));
    expect(compose.services.redis.command).toEqual(expect.arrayContaining(['--appendonly', 'yes']));
  });

  it('gives the apps only settings Latchkey knows, and every app the ones it needs', () => {
    const known = knownSettings();
    expect(known.size).toBeGreaterThan(20);
    expect(apps.map(([name]) => name).sort()).toEqual(['api', 'migrate', 'worker']);
    for (const [name, service] of apps) {
      const keys = Object.keys(service.environment ?? {});
      expect([name, keys.filter((k) => !known.has(k))]).toEqual([name, []]);
      for (const needed of ['DATABASE_URL', 'REDIS_URL', 'DATA_ENCRYPTION_KEY', 'PUBLIC_URL']) {
        expect([name, keys]).toEqual([name, expect.arrayContaining([needed])]);
      }
    }
  });

  it('the balancer checks /ready, so draining and database-less replicas leave the rotation', () => {
    const cfg = fs.readFileSync(path.join(ROOT, 'deploy/haproxy.cfg'), 'utf8');
    expect(cfg).toMatch(/option httpchk GET \/ready/);
    expect(cfg).toMatch(/server-template api \d+ api:3000/);
  });
});
