import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { clientOptionsFor, loadKubeconfig } from '../../machinery/client/kubeconfig.js';
import { RestClient } from '../../machinery/client/rest-client.js';
import {
  PROMOTION_REQUESTS,
  REGISTRIES,
  type PromotionRequest,
  type Registry,
} from '../apis/registry-types.js';
import { CopyProgressReporter } from './copy-progress.js';
import { waitForPromotion } from './wait-for-promotion.js';

const USAGE = `usage: flotilla-registry COMMAND [flags] (image promotion)
  registries list
  promote REPO@sha256:DIGEST --from REGISTRY --to REGISTRY [--tag T] [--reason TEXT] [--wait]
  approve NAME --role ROLE [--wait]
  wait NAME              follow the copy (progress bar on a terminal, lines otherwise) until it ends
  reject NAME --role ROLE
  status [NAME]
Flags: --kubeconfig PATH (federation; default $FLOTILLA_KUBECONFIG or ~/.flotilla/config), --context NAME,
       --timeout SECONDS (for --wait and wait; default 600)
`;

function parseRegistryArgs(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      kubeconfig: { type: 'string' },
      context: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      tag: { type: 'string' },
      reason: { type: 'string' },
      role: { type: 'string' },
      wait: { type: 'boolean' },
      timeout: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

/** Runs the registry CLI; resolves to the exit code (0 ok, 1 failure, 2 usage). */
export async function runRegistryCli(
  argv: string[],
  io: {
    stdout: (s: string) => void;
    stderr: (s: string) => void;
    env: Record<string, string | undefined>;
    /** A terminal for progress bars (`--wait`); absent: progress as plain lines on stdout. */
    tty?: NodeJS.WritableStream & { isTTY?: boolean };
  },
): Promise<number> {
  let client: RestClient | undefined;
  const usage = (msg: string): number => {
    io.stderr(`error: ${msg}\n${USAGE}`);
    return 2;
  };
  let parsed: ReturnType<typeof parseRegistryArgs>;
  try {
    parsed = parseRegistryArgs(argv);
  } catch (err) {
    // unknown flags and missing values are usage errors (exit 2), like every other binary
    return usage(err instanceof Error ? err.message : String(err));
  }
  if (parsed.values.help) {
    io.stdout(USAGE);
    return 0;
  }
  try {
    const { values, positionals } = parsed;
    const [cmd, arg] = positionals;
    if (!cmd) return usage('missing command');
    const conn = loadKubeconfig(
      values.kubeconfig ?? io.env.FLOTILLA_KUBECONFIG ?? join(homedir(), '.flotilla', 'config'),
      values.context,
    );
    client = new RestClient(clientOptionsFor(conn));
    const prs = client.resource<PromotionRequest>(PROMOTION_REQUESTS);
    const timeout = Number(values.timeout ?? '600');
    if (!Number.isFinite(timeout) || timeout <= 0) {
      return usage(`--timeout must be a positive number of seconds, got "${values.timeout ?? ''}"`);
    }
    // follows the copy until the request ends: exit 0 only when it Succeeded
    const follow = async (name: string): Promise<number> => {
      const reporter = new CopyProgressReporter({
        out: io.stdout,
        ...(io.tty ? { tty: io.tty } : {}),
      });
      const r = await waitForPromotion(prs, name, reporter, { timeoutMs: timeout * 1000 });
      if (!r.finished) {
        io.stderr(
          `error: promotionrequest/${name} is still ${r.request.status?.phase ?? 'Pending'} after ${String(timeout)} s\n`,
        );
        return 1;
      }
      return r.request.status?.phase === 'Succeeded' ? 0 : 1;
    };
    switch (cmd) {
      case 'registries': {
        for (const r of (await client.resource<Registry>(REGISTRIES).list()).items) {
          io.stdout(
            `${(r.metadata.name ?? '').padEnd(16)} ${r.spec.environment.padEnd(10)} ${r.spec.url}\n`,
          );
        }
        return 0;
      }
      case 'promote': {
        const m = /^(.+)@(sha256:[a-f0-9]{64})$/.exec(arg ?? '');
        if (!m || !values.from || !values.to) {
          return usage('promote needs REPO@sha256:DIGEST --from --to');
        }
        const pr = await prs.create({
          apiVersion: 'registry.flotilla.io/v1alpha1',
          kind: 'PromotionRequest',
          metadata: { generateName: 'promo-' },
          spec: {
            image: {
              repository: m[1] ?? '',
              digest: m[2] ?? '',
              ...(values.tag ? { tag: values.tag } : {}),
            },
            from: values.from,
            to: values.to,
            requester: 'set-by-server',
            ...(values.reason ? { reason: values.reason } : {}),
          },
        });
        io.stdout(`promotionrequest/${pr.metadata.name ?? ''} created\n`);
        return values.wait ? await follow(pr.metadata.name ?? '') : 0;
      }
      case 'approve':
      case 'reject': {
        if (!arg || !values.role) return usage(`${cmd} needs NAME --role ROLE`);
        const pr = await prs.subresource<PromotionRequest>(arg, 'approval', 'POST', {
          decision: cmd,
          role: values.role,
        });
        io.stdout(`promotionrequest/${arg} ${pr.status?.phase ?? ''}\n`);
        return values.wait && cmd === 'approve' ? await follow(arg) : 0;
      }
      case 'wait': {
        if (!arg) return usage('wait needs NAME');
        return await follow(arg);
      }
      case 'status': {
        const list = arg ? [await prs.get(arg)] : (await prs.list()).items;
        for (const p of list) {
          const pg = p.status?.progress;
          io.stdout(
            `${(p.metadata.name ?? '').padEnd(24)} ${(p.status?.phase ?? 'Pending').padEnd(10)} ${p.spec.from}→${p.spec.to} ${p.spec.image.repository}@${p.spec.image.digest.slice(7, 19)} ${pg ? `blobs ${String(pg.blobsDone + pg.blobsSkipped)}/${String(pg.blobsTotal)} ${String(pg.bytesDone)}B` : ''} ${p.status?.message ?? ''}\n`,
          );
        }
        return 0;
      }
      default:
        return usage(`unknown command "${cmd}"`);
    }
  } catch (err) {
    io.stderr(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    client?.close();
  }
}
