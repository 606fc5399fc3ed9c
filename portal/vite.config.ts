import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** The portal builds to dist/, served at `/` by the embedded default and from S3 + CloudFront when deployed. */
export default defineConfig({
  root: 'app',
  plugins: [react()],
  build: { outDir: '../dist', emptyOutDir: true, target: 'es2022', sourcemap: false },
  server: {
    proxy: {
      '/v1': 'http://127.0.0.1:8080',
      '/config.json': 'http://127.0.0.1:8080',
      '/dev': 'http://127.0.0.1:8080',
    },
  },
});
