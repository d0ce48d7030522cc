import { generateSecret, generateSync, generateURI, verifySync } from 'otplib';

import { qrPng } from './qr-png';

export const TOTP_PERIOD_SECONDS = 30;

export type TotpSecret = string | Uint8Array;

/**
 * Thin wrapper over otplib 13: six digits, SHA-1, 30-second steps (what authenticator apps
 * expect), one step of drift either way. Malformed codes are a plain "no", never a throw.
 */
export const Totp = {
  /** 160-bit secret in base32. */
  generateSecret(): string {
    return generateSecret({ length: 20 });
  },

  uri(issuer: string, label: string, secret: string): string {
    return generateURI({ issuer, label, secret });
  },

  /** The otpauth URI as a QR code: a 256-pixel PNG data URL (error correction M, 2-module quiet zone). */
  async qrDataUrl(uri: string): Promise<string> {
    return `data:image/png;base64,${qrPng(uri, { size: 256, margin: 2 }).toString('base64')}`;
  },

  generate(secret: TotpSecret, epochSeconds: number, options: { digits?: 6 | 8; algorithm?: 'sha1' | 'sha256' | 'sha512' } = {}): string {
    return generateSync({ secret, epoch: epochSeconds, digits: options.digits ?? 6, algorithm: options.algorithm ?? 'sha1' });
  },

  /** The time step the code belongs to, or undefined when it does not match within the drift window. */
  verify(secret: TotpSecret, code: string, epochSeconds: number): number | undefined {
    if (!/^\d{6}$/.test(code)) {
      return undefined;
    }
    try {
      const result = verifySync({ secret, token: code, epoch: epochSeconds, epochTolerance: TOTP_PERIOD_SECONDS });
      return result.valid ? (result as { timeStep: number }).timeStep : undefined;
    } catch {
      return undefined;
    }
  },
};
