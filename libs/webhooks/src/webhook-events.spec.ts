import { webhookEventOf } from './webhook-events';

describe('webhookEventOf', () => {
  it('turns a created API key into api_key.created with its id, name, prefix, scopes and binding (never a secret)', () => {
    const sut = webhookEventOf({
      action: 'api_key.created',
      actorKind: 'user',
      actorUserId: 'u1',
      subjectUserId: 'u1',
      accountId: 'a1',
      metadata: {
        keyId: 'k1',
        name: 'CI',
        prefix: 'lk_pat_Ab3x',
        scopes: ['read'],
        roleCap: 'member',
        expiresAt: '2027-01-01T00:00:00.000Z',
      },
    });
    expect(sut).toEqual({
      type: 'api_key.created',
      data: {
        userId: 'u1',
        actorKind: 'user',
        actorUserId: 'u1',
        keyId: 'k1',
        name: 'CI',
        prefix: 'lk_pat_Ab3x',
        scopes: ['read'],
        accountId: 'a1',
        roleCap: 'member',
        expiresAt: '2027-01-01T00:00:00.000Z',
      },
    });
  });

  it('has no event for a revoked key', () => {
    expect(
      webhookEventOf({
        action: 'api_key.revoked',
        actorKind: 'user',
        actorUserId: 'u1',
        subjectUserId: 'u1',
        accountId: null,
        metadata: {},
      }),
    ).toBeUndefined();
  });
});
