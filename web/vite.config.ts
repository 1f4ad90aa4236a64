import path from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** The dashboard: built into web/dist, which the daemon serves at `/` (src/api/static.ts). */
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [react()],
  build: {
    outDir: path.join(import.meta.dirname, 'dist'),
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 600,
  },
  server: {
    // `npx vite web` during development: the API of a local `medic run`.
    proxy: { '/api': 'http://127.0.0.1:7070', '/metrics': 'http://127.0.0.1:7070' },
  },
});
