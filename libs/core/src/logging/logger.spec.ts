import { Writable } from 'node:stream';

import { createPino } from './logger';

describe('log redaction', () => {
  it('never writes passwords, tokens, codes or secrets', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const sut = createPino('info', false, sink);
    sut.info(
      {
        password: 'hunter22-secret',
        body: { newPassword: 'n3w-secret', token: 'tok-secret', code: '123456', secret: 'JBSWY3DP' },
        headers: { authorization: 'Bearer sess-secret', cookie: 'lk_session=abc-secret' },
      },
      'login attempt',
    );
    const out = lines.join('');
    expect(out).toContain('login attempt');
    for (const leaked of ['hunter22', 'n3w-secret', 'tok-secret', '123456', 'JBSWY3DP', 'sess-secret', 'abc-secret']) {
      expect(out).not.toContain(leaked);
    }
  });
});
