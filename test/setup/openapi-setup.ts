import { drainViolations } from './openapi-check';

/**
 * Answers that broke the OpenAPI contract without a supertest call to report them (the console's
 * requests from Chromium, fetch, or a hook's traffic) fail the test during which they were sent.
 */
function failOnViolations(when: string): void {
  const violations = drainViolations();
  if (violations.length > 0) {
    throw new Error(`Undocumented answer(s) ${when}:\n${violations.join('\n')}`);
  }
}

beforeEach(() => failOnViolations('before this test (in a beforeAll hook)'));
afterEach(() => failOnViolations('during this test'));
afterAll(() => failOnViolations('after the last test'));
