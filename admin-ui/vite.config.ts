import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Served by the API at /admin; in `npm run dev` API calls go to the API on :3000.
export default defineConfig({
  base: '/admin/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 2000 },
  server: { proxy: { '/api': 'http://localhost:3000' } },
});
