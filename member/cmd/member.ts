#!/usr/bin/env node
// Thin entrypoint of one member cluster (API server, controllers, scheduler, kubelets):
// argv and signals in, exit code out. Everything else lives in run-member.ts.
import { createClusterDns } from '../../dns/index.js';
import { runMember } from './run-member.js';

const abort = new AbortController();
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    abort.abort();
  });
}

process.exitCode = await runMember(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  signal: abort.signal,
  dns: createClusterDns,
});
