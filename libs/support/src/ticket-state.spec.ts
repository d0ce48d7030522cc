import { assertTransition, canTransition, TICKET_STATES, TRANSITIONS } from './ticket-state';

describe('Ticket transition table', () => {
  it('lets a ticket only move forward along the lost-device path', () => {
    const path = ['awaiting_email_confirmation', 'open', 'verifying', 'awaiting_approval', 'approved', 'executed'] as const;
    for (let i = 0; i < path.length - 1; i++) {
      expect(canTransition(path[i], path[i + 1])).toBe(true);
      expect(canTransition(path[i + 1], path[i])).toBe(false);
    }
  });

  it('leads nowhere from an end', () => {
    for (const end of ['executed', 'rejected', 'cancelled', 'expired'] as const) {
      expect(TRANSITIONS[end]).toEqual([]);
    }
  });

  it('never skips the checks or the approval', () => {
    expect(canTransition('open', 'approved')).toBe(false);
    expect(canTransition('verifying', 'approved')).toBe(false);
    expect(canTransition('awaiting_approval', 'executed')).toBe(false);
    expect(canTransition('awaiting_email_confirmation', 'verifying')).toBe(false);
  });

  it('names both states in the refusal', () => {
    expect(() => assertTransition('cancelled', 'approved')).toThrow(
      expect.objectContaining({
        code: 'ILLEGAL_TRANSITION',
        category: 'CONFLICT',
        message: expect.stringContaining('from cancelled to approved'),
      }),
    );
  });

  it('covers every state', () => {
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...TICKET_STATES].sort());
  });
});
