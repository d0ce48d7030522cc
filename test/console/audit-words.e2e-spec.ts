import * as fs from 'node:fs';
import * as path from 'node:path';

import { AUDIT_WORDS, describeAuditEntry } from '../../admin-ui/src/accounts/audit-words';

const LIBS = path.resolve(__dirname, '../../libs');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(full) : /\.ts$/.test(e.name) && !/\.spec\.ts$/.test(e.name) ? [full] : [];
  });
}

/** Every `*AuditAction` table exported by a lib's audit-actions or constants file: the codes the API writes. */
function auditActionTables(): Record<string, Record<string, string>> {
  const tables: Record<string, Record<string, string>> = {};
  for (const lib of fs.readdirSync(LIBS)) {
    const src = path.join(LIBS, lib, 'src');
    if (!fs.existsSync(src)) {
      continue;
    }
    for (const file of sourceFiles(src).filter((f) => /(audit-actions|constants)\.ts$/.test(path.basename(f)))) {
      const mod = require(file) as Record<string, unknown>;
      for (const [name, value] of Object.entries(mod)) {
        if (/AuditAction$/.test(name) && value && typeof value === 'object') {
          tables[`${lib}/${name}`] = value as Record<string, string>;
        }
      }
    }
  }
  return tables;
}

describe('Audit entries read in words in the console', () => {
  const tables = auditActionTables();
  const codes = [...new Set(Object.values(tables).flatMap((t) => Object.values(t)))].sort();

  it('finds the action tables of every lib that writes to the audit log', () => {
    expect(Object.keys(tables).sort()).toEqual(
      expect.arrayContaining([
        'accounts/AccountAuditAction',
        'audit/AuditAction',
        'mfa/MfaAuditAction',
        'notifications/NotificationsAuditAction',
        'service-access/ServiceAccessAuditAction',
        'support/SupportAuditAction',
      ]),
    );
    expect(codes).toEqual(expect.arrayContaining(['member.joined', 'user.password_reset_sent', 'support.ticket_transition']));
  });

  it('has a sentence for every action code', () => {
    expect(codes.filter((code) => !(code in AUDIT_WORDS))).toEqual([]);
  });

  it('has no sentence for a code that no longer exists', () => {
    expect(Object.keys(AUDIT_WORDS).filter((code) => !codes.includes(code))).toEqual([]);
  });

  it.each(codes)('%s reads as a sentence, not as its code', (code) => {
    const actor = { id: 'a1', email: 'ada@example.com', displayName: 'Ada Admin' };
    const subject = { id: 's1', email: 'sam@example.com', displayName: 'Sam Subject' };
    const sentence = describeAuditEntry({
      action: code,
      actorKind: 'user',
      actorUserId: actor.id,
      actor,
      subjectUserId: subject.id,
      subject,
      metadata: {},
    });
    expect(sentence).toMatch(/^[A-Z].*\.$/);
    expect(sentence).not.toContain(code);
    expect(sentence).not.toMatch(/undefined|null|\[object/);
    expect(sentence).toMatch(
      /Ada Admin|Sam Subject|Latchkey|Someone|A password|A sign-in|Sign-in for|Second-step|Two-factor|A support|Changing|A password reset/,
    );
  });

  it('names people by name and email, and says who the system or a deleted user was', () => {
    expect(
      describeAuditEntry({
        action: 'member.role_changed',
        actorKind: 'user',
        actorUserId: 'a1',
        actor: { id: 'a1', email: 'ada@example.com', displayName: 'Ada Admin' },
        subjectUserId: 's1',
        subject: null,
        metadata: { from: 'member', to: 'admin' },
      }),
    ).toBe('Ada Admin (ada@example.com) changed the role of a deleted user from member to admin.');
    expect(
      describeAuditEntry({
        action: 'mfa.locked',
        actorKind: 'system',
        subjectUserId: 's1',
        subject: { id: 's1', email: 's@x.io', displayName: 's@x.io' },
      }),
    ).toBe('Second-step attempts for s@x.io were locked after repeated wrong codes.');
    expect(describeAuditEntry({ action: 'some.future_action', actorKind: 'system' })).toBe('Latchkey: some future action.');
    // Erased users are a pseudonym in the log: still "a deleted user", never "someone".
    expect(
      describeAuditEntry({
        action: 'user.deletion_cancelled',
        actorKind: 'user',
        actorUserId: null,
        actorPseudonym: 'deleted-user-0123456789abcdef',
        subjectPseudonym: 'deleted-user-0123456789abcdef',
      }),
    ).toBe('A deleted user cancelled the deletion of their user.');
  });
});
