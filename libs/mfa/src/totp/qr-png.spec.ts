import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import * as QRCode from 'qrcode';

import { qrPng } from './qr-png';

describe('qrPng', () => {
  const uris = [
    'otpauth://totp/Latchkey:someone%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Latchkey',
    `otpauth://totp/Latchkey:${encodeURIComponent('a-much-longer-address+with-tags@sub.example.co.uk')}?secret=${'A'.repeat(32)}&issuer=Latchkey`,
  ];

  it.each(uris)('draws the same picture as qrcode, and it decodes to the text (%#)', async (uri) => {
    const ours = PNG.sync.read(qrPng(uri, { size: 256, margin: 2 }));
    const theirs = PNG.sync.read(await QRCode.toBuffer(uri, { errorCorrectionLevel: 'M', margin: 2, width: 256 }));
    expect([ours.width, ours.height]).toEqual([256, 256]);
    expect([theirs.width, theirs.height]).toEqual([256, 256]);
    let differing = 0;
    for (let i = 0; i < ours.data.length; i += 4) {
      // Red channel: 0 black, 255 white in both.
      if (ours.data[i] !== theirs.data[i]) {
        differing++;
      }
    }
    expect(differing).toBe(0);
    expect(jsQR(new Uint8ClampedArray(ours.data), 256, 256)?.data).toBe(uri);
  });
});
