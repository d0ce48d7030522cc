import { KeyObject, createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';

/**
 * A software WebAuthn authenticator for the tests: the outside world (a security key or a phone's
 * platform authenticator) faked with a real ES256 key, producing the exact bytes a browser sends
 * (attestation "none", CBOR, authenticator data, DER signatures). Nothing here trusts the server.
 */
export class SoftwareAuthenticator {
  readonly credentialId = randomBytes(32);
  private readonly privateKey: KeyObject;
  private readonly publicJwk: { x: string; y: string };
  signCount = 0;

  constructor(readonly userHandle?: string) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.privateKey = privateKey;
    this.publicJwk = publicKey.export({ format: 'jwk' }) as { x: string; y: string };
  }

  get id(): string {
    return this.credentialId.toString('base64url');
  }

  /** What navigator.credentials.create() answers for these options. */
  register(
    options: { challenge: string; rp: { id?: string } },
    opts: { origin: string; rpId?: string; userVerified?: boolean; type?: string },
  ): Record<string, unknown> {
    const clientDataJSON = Buffer.from(
      JSON.stringify({ type: opts.type ?? 'webauthn.create', challenge: options.challenge, origin: opts.origin, crossOrigin: false }),
    );
    const coseKey = cbor(
      new Map<number, unknown>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, Buffer.from(this.publicJwk.x, 'base64url')],
        [-3, Buffer.from(this.publicJwk.y, 'base64url')],
      ]),
    );
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(this.credentialId.length);
    const authData = Buffer.concat([
      this.header(opts.rpId ?? options.rp.id ?? '', 0x40 | this.flags(opts.userVerified ?? true)),
      Buffer.alloc(16), // aaguid: none
      idLength,
      this.credentialId,
      coseKey,
    ]);
    const attestationObject = cbor(
      new Map<string, unknown>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', authData],
      ]),
    );
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      response: {
        clientDataJSON: clientDataJSON.toString('base64url'),
        attestationObject: attestationObject.toString('base64url'),
        transports: ['internal', 'hybrid'],
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  /** What navigator.credentials.get() answers; the counter moves forward unless `counter` is given. */
  assert(
    options: { challenge: string; rpId?: string },
    opts: { origin: string; rpId?: string; userVerified?: boolean; counter?: number },
  ): Record<string, unknown> {
    this.signCount = opts.counter ?? this.signCount + 1;
    const clientDataJSON = Buffer.from(
      JSON.stringify({ type: 'webauthn.get', challenge: options.challenge, origin: opts.origin, crossOrigin: false }),
    );
    const authData = this.header(opts.rpId ?? options.rpId ?? '', this.flags(opts.userVerified ?? true));
    const signature = sign('sha256', Buffer.concat([authData, createHash('sha256').update(clientDataJSON).digest()]), this.privateKey);
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      response: {
        clientDataJSON: clientDataJSON.toString('base64url'),
        authenticatorData: authData.toString('base64url'),
        signature: signature.toString('base64url'),
        ...(this.userHandle ? { userHandle: Buffer.from(this.userHandle).toString('base64url') } : {}),
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  private flags(userVerified: boolean): number {
    return 0x01 | (userVerified ? 0x04 : 0);
  }

  private header(rpId: string, flags: number): Buffer {
    const count = Buffer.alloc(4);
    count.writeUInt32BE(this.signCount);
    return Buffer.concat([createHash('sha256').update(rpId).digest(), Buffer.from([flags]), count]);
  }
}

/** The few CBOR shapes WebAuthn needs: maps, integers, byte and text strings. */
function cbor(value: unknown): Buffer {
  const head = (major: number, n: number) => {
    if (n < 24) {
      return Buffer.from([(major << 5) | n]);
    }
    if (n < 256) {
      return Buffer.from([(major << 5) | 24, n]);
    }
    const b = Buffer.alloc(3);
    b[0] = (major << 5) | 25;
    b.writeUInt16BE(n, 1);
    return b;
  };
  if (typeof value === 'number') {
    return value >= 0 ? head(0, value) : head(1, -1 - value);
  }
  if (Buffer.isBuffer(value)) {
    return Buffer.concat([head(2, value.length), value]);
  }
  if (typeof value === 'string') {
    const b = Buffer.from(value, 'utf8');
    return Buffer.concat([head(3, b.length), b]);
  }
  if (value instanceof Map) {
    const parts: Buffer[] = [head(5, value.size)];
    for (const [k, v] of value) {
      parts.push(cbor(k), cbor(v));
    }
    return Buffer.concat(parts);
  }
  throw new Error(`cbor: unsupported ${typeof value}`);
}
