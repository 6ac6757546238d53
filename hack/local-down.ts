/**
 * Stops the federation started by `npm run setup` / `npm run up -- --detach`.
 *   node dist/hack/local-down.js [--state DIR]   (DIR as given to local-up; default .flotilla)
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from './lib/repo-root.js';

const root = repoRoot(import.meta.url);
const { values } = parseArgs({
  options: { state: { type: 'string', default: join(root, '.flotilla') } },
});
const pidFile = join(resolve(values.state), 'local-up.pid');
if (!existsSync(pidFile)) {
  console.log('no local federation is running');
  process.exit(0);
}
const pid = Number(readFileSync(pidFile, 'utf8'));
try {
  process.kill(pid, 'SIGTERM');
} catch {
  console.log('no local federation is running');
  process.exit(0);
}
for (let i = 0; i < 60; i++) {
  await new Promise((r) => setTimeout(r, 500));
  try {
    process.kill(pid, 0);
  } catch {
    console.log('local federation stopped');
    process.exit(0);
  }
}
console.error(`error: pid ${String(pid)} did not stop in 30 s`);
process.exit(1);
