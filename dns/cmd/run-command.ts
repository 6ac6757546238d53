/**
 * The DNS entrypoints on the shared command runner (machinery/cmd): `--help` prints the usage
 * (exit 0), and every validation problem goes on its own `NAME: problem` line (exit 2).
 */
import { isMain, main, type Command } from '../../machinery/cmd/run-command.js';

/** What differs between the DNS entrypoints. */
export interface DnsCommand<O> {
  /** Prefix of every message, e.g. `resolver`. */
  name: string;
  /** Printed for `--help`. */
  usage: string;
  parse(argv: string[]): O;
  validate(opts: O): string[];
  run(opts: O, signal: AbortSignal): Promise<void>;
}

/** The shared {@link Command} of a DNS entrypoint (it exits 0 once `run` resolves). */
export function dnsCommand<O>(cmd: DnsCommand<O>): Command<O> {
  return {
    name: cmd.name,
    usage: cmd.usage,
    parse: (argv) => {
      const help = argv.includes('--help') || argv.includes('-h');
      return { opts: cmd.parse(argv.filter((a) => a !== '--help' && a !== '-h')), help };
    },
    validate: (opts) => cmd.validate(opts).map((message) => ({ flag: '', message })),
    problemsText: (problems) => problems.map((p) => `${cmd.name}: ${p.message}\n`).join(''),
    run: async (opts, deps) => {
      await cmd.run(opts, deps.signal);
      return 0;
    },
  };
}

/** Runs `cmd` when `moduleUrl` is the process's main module, and exits with its code. */
export function runIfMain<O>(moduleUrl: string, cmd: DnsCommand<O>): void {
  if (isMain(moduleUrl)) void main(dnsCommand(cmd));
}
