#!/usr/bin/env node
// `npx hcb …`: npx puts node_modules/.bin first on PATH, so this runs on the project's Node 24, which
// executes the TypeScript CLI directly.
await import('./cli.ts');
