import { SecretBox, loadConfig } from '@latchkey/core';

import { maskPhone } from '../sms/sms-sender';
import { BackupCodesService, normalizeBackupCode } from './backup-codes.service';

describe('BackupCodesService', () => {
  it('generates readable 10-character codes without look-alike characters', () => {
    const codes = Array.from({ length: 200 }, () => BackupCodesService.generateCode());
    for (const code of codes) {
      expect(code).toMatch(/^[a-hjkmnp-z2-9]{5}-[a-hjkmnp-z2-9]{5}$/);
    }
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('hashes a code the same however it is typed, and differently per user', () => {
    const box = new SecretBox(loadConfig({ NODE_ENV: 'test' }));
    const sut = new BackupCodesService(undefined as never, box);
    expect(sut.hash('u1', 'abcde-fghjk')).toBe(sut.hash('u1', ' ABCDE FGHJK '));
    expect(sut.hash('u1', 'abcde-fghjk')).not.toBe(sut.hash('u2', 'abcde-fghjk'));
    expect(sut.hash('u1', 'abcde-fghjk')).not.toContain('abcde');
    expect(normalizeBackupCode('AbCdE-12345')).toBe('abcde12345');
    // Keyed: another server key gives another hash, so the table alone cannot be searched.
    const other = new BackupCodesService(undefined as never, new SecretBox(loadConfig({ NODE_ENV: 'test' })));
    expect(other.hash('u1', 'abcde-fghjk')).not.toBe(sut.hash('u1', 'abcde-fghjk'));
  });
});

describe('maskPhone', () => {
  it('keeps only the country prefix and the last two digits', () => {
    expect(maskPhone('+14155550123')).toBe('+14•••••••23');
    expect(maskPhone('+14155550123')).not.toContain('555');
  });
});
