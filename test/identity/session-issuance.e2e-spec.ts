import * as fs from 'node:fs';
import * as path from 'node:path';

const LIBS = path.resolve(__dirname, '../../libs');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) {
      return sourceFiles(full);
    }
    return /\.ts$/.test(e.name) && !/\.spec\.ts$/.test(e.name) ? [full] : [];
  });
}

/** `file: method` for every non-test call of `.name(` under libs/. */
function callers(name: RegExp): string[] {
  const found: string[] = [];
  for (const file of sourceFiles(LIBS)) {
    const text = fs.readFileSync(file, 'utf8');
    let method = '?';
    for (const line of text.split('\n')) {
      method = /^ {2}(?:(?:private|public|protected|async|static|readonly) )*(\w+)\(/.exec(line)?.[1] ?? method;
      if (name.test(line)) {
        found.push(`${path.relative(LIBS, file)}: ${method}`);
      }
    }
  }
  return [...new Set(found)].sort();
}

describe('Session issuance is reachable only from the sign-in decision (issue 14)', () => {
  it('only LoginUseCase.issueSession writes a session (SessionsService.create / prepare)', () => {
    expect(callers(/\bsessions\.(create|prepare)\(/)).toEqual(['auth/src/login.use-case.ts: issueSession']);
  });

  it('issueSession is called by the decision, and by the MFA step that finishes a challenge the decision answered', () => {
    // CompleteMfaSignInUseCase finishes a sign-in the decision answered with `mfa_required`: the
    // challenge it completes exists only because the decision opened it, and its completion is
    // written in the same statement as the session. Re-running the steps there would challenge again.
    expect(callers(/\.issueSession\(/)).toEqual([
      'auth/src/login.use-case.ts: decide',
      'mfa/src/complete-mfa-sign-in.use-case.ts: execute',
    ]);
  });
});
