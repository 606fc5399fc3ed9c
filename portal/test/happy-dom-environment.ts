import { GlobalWindow } from 'happy-dom';
import { type Environment, populateGlobal } from 'vitest/environments';

/**
 * happy-dom for the portal's hook tests, loaded from the portal's own node_modules (vitest's built-in
 * `happy-dom` environment looks for the package beside vitest, at the repository root, where it is not).
 */
export default {
  name: 'portal-happy-dom',
  viteEnvironment: 'client',
  setup(global) {
    const win = new GlobalWindow({ url: 'http://portal.test/', console: global.console });
    const { keys, originals } = populateGlobal(global, win, { bindFunctions: true });
    return {
      async teardown(global) {
        await win.happyDOM.abort();
        win.close();
        for (const key of keys) delete global[key];
        for (const [key, value] of originals) global[key] = value;
      },
    };
  },
} satisfies Environment;
