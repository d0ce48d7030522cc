/**
 * "Adding a factor kind touches the new strategy, its migration and its console screen": a fake
 * kind registered the way a real one is (an entry of FACTOR_KINDS and a strategy) must reach the
 * sign-in DTO, the members report's filters and levels, the webhook events and the registry with
 * no edit anywhere else. Each case loads the modules afresh with the fake kind in the list.
 */
import 'reflect-metadata';

import type { FactorKindInfo } from './factor-registry';

const HARDWARE_TOKEN: FactorKindInfo = {
  kind: 'hardware_token',
  method: 'hardware_token',
  strength: 2,
  answer: 'code',
  actions: { enabled: 'mfa.hardware_token_added', disabled: 'mfa.hardware_token_removed' },
};
const VOICE_CALL: FactorKindInfo = {
  kind: 'voice',
  method: 'voice',
  strength: 1,
  answer: 'code',
  actions: { enabled: 'mfa.voice_added', disabled: 'mfa.voice_removed' },
};

/** Requires `load` in a fresh module registry whose FACTOR_KINDS also lists `extra`. */
function withKinds<T>(extra: FactorKindInfo[], load: () => T): T {
  let out!: T;
  jest.isolateModules(() => {
    const registry = require('./factor-registry') as typeof import('./factor-registry');
    (registry.FACTOR_KINDS as FactorKindInfo[]).push(...extra);
    out = load();
  });
  return out;
}

describe('a new factor kind needs no edit outside its strategy', () => {
  it('is a sign-in method of the DTO: validated, documented, and asks for a code', () => {
    const { dto, validator, transformer } = withKinds([HARDWARE_TOKEN], () => ({
      dto: require('../dto/mfa.dto') as typeof import('../dto/mfa.dto'),
      validator: require('class-validator') as typeof import('class-validator'),
      transformer: require('class-transformer') as typeof import('class-transformer'),
    }));
    const check = (body: object) => validator.validateSync(transformer.plainToInstance(dto.LoginMfaDto, body)).map((e) => e.property);
    const challengeId = '0b9f7a4e-8c1d-4e8a-9a51-1f2d3c4b5a69';
    expect(check({ challengeId, method: 'hardware_token', code: '123456' })).toEqual([]);
    expect(check({ challengeId, method: 'hardware_token' })).toEqual(['code']);
    expect(check({ challengeId, method: 'carrier_pigeon', code: '123456' })).toEqual(['method']);
    const doc = Reflect.getMetadata('swagger/apiModelProperties', dto.LoginMfaDto.prototype, 'method') as { enum: string[] };
    expect(doc.enum).toEqual(['totp', 'sms', 'passkey', 'hardware_token', 'backup_code']);
    const kinds = Reflect.getMetadata('swagger/apiModelProperties', dto.FactorDto.prototype, 'kind') as { enum: string[] };
    expect(kinds.enum).toContain('hardware_token');
  });

  it("is a filter of the members report, with the levels of its strength, in mfa's SQL and accounts' query DTO", () => {
    const { view, accounts, validator, transformer } = withKinds([HARDWARE_TOKEN, VOICE_CALL], () => ({
      view: require('../member-security.view') as typeof import('../member-security.view'),
      accounts: require('../../../accounts/src/dto/accounts.dto') as typeof import('../../../accounts/src/dto/accounts.dto'),
      validator: require('class-validator') as typeof import('class-validator'),
      transformer: require('class-transformer') as typeof import('class-transformer'),
    }));
    expect(view.SECOND_FACTOR_FILTERS).toEqual(['none', 'enabled', 'totp', 'sms', 'passkey', 'hardware_token', 'voice']);
    expect(view.secondFactorLevels('hardware_token')).toEqual([2, 3]);
    expect(view.secondFactorLevels('voice')).toEqual([1, 3]);
    // SMS is no longer the only weak kind: its level says less than its filter.
    expect(view.LEVEL_EXACT_FILTERS).toEqual(['none', 'enabled']);
    expect(new view.SqlMemberSecurityView().matches('hardware_token', 'm.user_id')).toBe(
      `EXISTS (SELECT 1 FROM mfa_user_summaries mus WHERE mus.user_id = m.user_id AND mus.factors ? 'hardware_token')`,
    );
    const query = (mfa: string) =>
      validator.validateSync(transformer.plainToInstance(accounts.MembersQueryDto, { mfa })).map((e) => e.property);
    expect(query('hardware_token')).toEqual([]);
    expect(query('carrier_pigeon')).toEqual(['mfa']);
  });

  it('is an mfa.enabled / mfa.disabled webhook event through its own audit actions', () => {
    const events = withKinds(
      [HARDWARE_TOKEN],
      () => require('../../../webhooks/src/webhook-events') as typeof import('../../../webhooks/src/webhook-events'),
    );
    const facts = (action: string) => ({
      action,
      actorKind: 'user',
      actorUserId: 'u1',
      subjectUserId: 'u1',
      accountId: null,
      metadata: {},
    });
    expect(events.webhookEventOf(facts('mfa.hardware_token_added'))).toEqual({
      type: 'mfa.enabled',
      data: { userId: 'u1', actorKind: 'user', actorUserId: 'u1', factor: 'hardware_token' },
    });
    expect(events.webhookEventOf(facts('mfa.hardware_token_removed'))?.type).toBe('mfa.disabled');
  });

  it("counts in a user's mfa_level by its strength bit (the summary trigger's rule)", () => {
    const registry = withKinds([HARDWARE_TOKEN, VOICE_CALL], () => require('./factor-registry') as typeof import('./factor-registry'));
    expect(registry.levelOf(['hardware_token'])).toBe(2);
    expect(registry.levelOf(['voice'])).toBe(1);
    expect(registry.levelOf(['voice', 'hardware_token'])).toBe(3);
    expect(registry.levelOf([])).toBe(0);
  });

  it('is registered by its strategy; a strategy without its FACTOR_KINDS entry (or the reverse) stops the boot', () => {
    const registry = withKinds([HARDWARE_TOKEN], () => require('./factor-registry') as typeof import('./factor-registry'));
    const strategy = (info: FactorKindInfo) => ({
      info,
      kind: info.kind,
      method: info.method,
      label: info.kind,
      actions: info.actions,
      notSetUp: '',
      offered: () => true,
      describe: () => ({}),
      verify: async () => undefined,
      refused: () => new Error('no'),
    });
    const all = registry.FACTOR_KINDS.map(strategy);
    const r = new registry.FactorRegistry(all);
    expect(r.strategy('hardware_token').method).toBe('hardware_token');
    expect(r.methods().map((m) => m.method)).toEqual(['totp', 'sms', 'passkey', 'hardware_token']);
    expect(() => new registry.FactorRegistry(all.slice(0, 3))).toThrow(/hardware_token/);
    expect(() => new registry.FactorRegistry([...all, strategy({ ...HARDWARE_TOKEN, kind: 'x', method: 'x' })])).toThrow(/not listed/);
  });
});
