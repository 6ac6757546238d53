import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository's `dashboard/web` folder, found by walking up from `moduleUrl` to the folder
 * holding package.json and `dashboard/`: the same answer from the sources
 * (`dashboard/server/*.ts` under tsx) and from the build (`dist/dashboard/server/*.js`; the build
 * does not copy the browser files, and `dist/` holds no package.json).
 * @throws Error when no such folder is above the module.
 */
export function defaultWebRoot(moduleUrl: string = import.meta.url): string {
  const start = dirname(fileURLToPath(moduleUrl));
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'dashboard'))) {
      return join(dir, 'dashboard', 'web');
    }
    const parent = resolve(dir, '..');
    if (parent === dir) throw new Error(`no repository root (package.json) above ${start}`);
    dir = parent;
  }
}
