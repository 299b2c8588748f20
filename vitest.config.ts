import { defineConfig } from 'vitest/config';

// Workspace packages export their TypeScript sources under the "@meshscope/source" condition, so tests
// run against src/ without a build step; the built dist/ is what `node` loads at run time.
const conditions = ['@meshscope/source', 'node', 'import', 'default'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
  test: {
    include: ['{collector,query,proxy-agent,cli,test,ui}/test/**/*.test.ts'],
    // libchdb binds one data directory per process: every test file runs in its own process.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    teardownTimeout: 30_000,
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
