import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The ops console. `npm run build` writes web/dist, which the desk serves at `/`.
 * `npm run dev:web` serves it with hot reload on :5173 and proxies the API to a desk on :9090.
 */
const desk = process.env.DESK_URL ?? 'http://127.0.0.1:9090';

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  server: {
    port: 5173,
    proxy: { '/api': { target: desk, changeOrigin: false }, '/health': desk, '/ready': desk },
  },
});
