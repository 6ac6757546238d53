import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository's root folder (the one holding package.json), found by walking up from the
 * calling module: the same answer whether hack/ runs from source (tsx) or from the build in dist/.
 */
export function repoRoot(moduleUrl: string): string {
  let dir = dirname(fileURLToPath(moduleUrl));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'hack'))) return dir;
    const parent = resolve(dir, '..');
    if (parent === dir) throw new Error(`no repository root above ${fileURLToPath(moduleUrl)}`);
    dir = parent;
  }
}
