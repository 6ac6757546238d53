import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The shared `main` of the DNS entrypoints: argv → typed options → every validation problem at
 * once (exit 2) → run until SIGINT/SIGTERM (exit 0); an unexpected error exits 1.
 */
export interface DnsCommand<O> {
  /** Prefix of every message, e.g. `resolver`. */
  name: string;
  parse(argv: string[]): O;
  validate(opts: O): string[];
  run(opts: O, signal: AbortSignal): Promise<void>;
}

/** Runs `cmd` with `argv`; resolves to the exit code. */
export async function runCommand<O>(cmd: DnsCommand<O>, argv: string[]): Promise<number> {
  let opts: O;
  try {
    opts = cmd.parse(argv);
  } catch (err) {
    console.error(`${cmd.name}: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
  const errs = cmd.validate(opts);
  if (errs.length > 0) {
    for (const e of errs) console.error(`${cmd.name}: ${e}`);
    return 2;
  }
  const abort = new AbortController();
  for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, () => abort.abort());
  await cmd.run(opts, abort.signal);
  return 0;
}

/** True when `moduleUrl` is the script node was started with (also through a bin symlink). */
function isMain(moduleUrl: string): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(fileURLToPath(moduleUrl)) === realpathSync(script);
  } catch {
    return false;
  }
}

/** Runs `cmd` when `moduleUrl` is the process's main module, and exits with its code. */
export function runIfMain<O>(moduleUrl: string, cmd: DnsCommand<O>): void {
  if (!isMain(moduleUrl)) return;
  runCommand(cmd, process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`${cmd.name}: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
