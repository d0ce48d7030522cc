import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// Component tests of the console's own pieces (data and auth providers, setup and support pages),
// in jsdom with Testing Library; the API is a fake fetch (src/test/fake-api.ts). The whole console
// against the real API is tested in Chromium by test/console/*.e2e-spec.ts.
export default defineConfig({
  plugins: [react()],
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test/setup.ts'],
    restoreMocks: true,
    // Files share their workers' module graph (jsdom, React, MUI and react-admin load once per worker,
    // not once per file): 50 -> 20 CPU-s for the 11 files on 2 cores, and the same results with the
    // files in shuffled order (`npx vitest run --sequence.shuffle`). Each file's fake API and mocks
    // are set up in its own hooks (restoreMocks above).
    isolate: false,
    // Sized for a slow shared machine, like the Jest suite: under `stress-ng --cpu $(nproc)` typing
    // a form character by character in jsdom took 40 s in CI.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
