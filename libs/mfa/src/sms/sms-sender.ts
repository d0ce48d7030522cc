import { SmsGateway, maskPhone } from '@latchkey/core';
import { Injectable } from '@nestjs/common';

import { mfaError } from '../mfa.exception';

export { maskPhone };

/** Twilio errors that mean "this number cannot get texts", as opposed to "try later". */
const UNDELIVERABLE = new Set([21211, 21614, 21408, 21610]);

/** Second-factor texts: the shared gateway, with Twilio's refusals turned into MFA errors. */
@Injectable()
export class SmsSender {
  constructor(private readonly gateway: SmsGateway) {}

  async send(to: string, body: string): Promise<void> {
    try {
      await this.gateway.send(to, body);
    } catch (err) {
      if (UNDELIVERABLE.has((err as { code?: number }).code ?? 0)) {
        throw mfaError('SMS_NOT_DELIVERABLE', 'We cannot send a text message to this number.', {
          errors: [{ field: 'phone', message: 'cannot receive text messages' }],
        });
      }
      throw mfaError('SMS_UNAVAILABLE', 'Text messages cannot be sent right now. Try again later or use another method.');
    }
  }
}
