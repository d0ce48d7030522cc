import { cleanup, configure } from '@testing-library/react';
import { afterEach } from 'vitest';

import { forgetMemberships } from '../account';

// findBy*/waitFor give up after 1 s by default; on a machine whose every core is busy a render can
// take longer than that, so they wait as long as the browser journeys do (20 s).
configure({ asyncUtilTimeout: 20_000 });

// Test files share a worker's modules (isolate: false in vitest.config.ts): module-level state a
// test leaves behind is reset here, as a fresh page load would.
afterEach(() => {
  cleanup();
  forgetMemberships();
  document.cookie.split('; ').forEach((c) => {
    const name = c.split('=')[0];
    if (name) {
      document.cookie = `${name}=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/`;
    }
  });
  localStorage.clear();
});
