import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Workspace packages publish their TypeScript sources under "@meshscope/source": the bundle takes the
// contract schemas from query/src directly, so building the UI never waits on the query build.
export default defineConfig({
  plugins: [react()],
  resolve: { conditions: ['@meshscope/source', 'browser', 'module', 'import', 'default'] },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1500 },
  server: { host: '127.0.0.1', proxy: { '/api': 'http://127.0.0.1:16686' } },
  preview: { host: '127.0.0.1' },
});
