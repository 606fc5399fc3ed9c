import { defineConfig } from 'vitest/config';

/**
 * Projects: `unit` (everything that needs no outside service: unit, API, sandbox contract, policy
 * and CDK tests), `e2e` (the shipped `npm start` process driven over HTTP with real timers), `serverless`
 * (the same end-to-end suite against the synthesised Lambda bundles in the local serverless runtime), `openstack`
 * (real OpenStack on 127.0.0.1), `aws` (the LocalStack-compatible emulator) and `fuzz` (Schemathesis
 * against the embedded default's OpenAPI document).
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['**/*.test.ts'],
          exclude: [
            'node_modules/**',
            'cdk.out/**',
            'test/openstack/**',
            'test/aws/**',
            'test/e2e/**',
            'test/fuzz/**',
            'test/serverless/**',
            'portal/**',
          ],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        // The deployed shape: the same lifecycle suite against the synthesised Lambda bundles in the local
        // serverless runtime (two regions on the AWS emulator, real OpenStack), plus what only it can show.
        test: {
          name: 'serverless',
          // One suite, two ways: the e2e project's lifecycle and phi suites, here against the bundles.
          include: [
            'test/serverless/**/*.test.ts',
            'test/e2e/lifecycles.e2e.test.ts',
            'test/e2e/phi-matrix.e2e.test.ts',
          ],
          env: { HCB_E2E_BROKER: 'serverless' },
          testTimeout: 180_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'openstack',
          include: ['test/openstack/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'aws',
          include: ['test/aws/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'fuzz',
          include: ['test/fuzz/**/*.test.ts'],
          testTimeout: 600_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        // The admin portal: its data hooks (happy-dom), the generated client's sync with /openapi.json, and
        // Playwright against the shipped `npm start` process (Debian's chromium).
        test: {
          name: 'portal',
          include: ['portal/**/*.test.{ts,tsx}'],
          exclude: ['portal/node_modules/**', 'portal/dist/**', 'portal/app/**'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'portal-hooks',
          include: ['portal/app/**/*.test.{ts,tsx}'],
          environment: './portal/test/happy-dom-environment.ts',
        },
      },
    ],
  },
});
