/**
 * `flotilla register`: pull mode (Karmada's `karmadactl register`). Run beside a member the
 * federation cannot reach: with a bootstrap token it asks the federation for the agent's own
 * certificate (a CSR the agent-csr controller approves and signs), creates the Pull-mode Cluster
 * as the agent, writes the agent's kubeconfig and, with `--run`, runs the agent in the foreground.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CLUSTERS, type Cluster } from '../../apis/index.js';
import {
  AgentCertificateError,
  requestAgentCertificate,
  resolveOptions,
  runAgentWith,
} from '../../agent/index.js';
import { CLUSTER_NAME } from '../../controllers/agentcsr/agent-csr.js';
import { kubeconfigFor, loadKubeconfig } from '../../../machinery/client/kubeconfig.js';
import { RestClient } from '../../../machinery/client/rest-client.js';
import { consoleLogger } from '../../../machinery/controller/index.js';
import { AlreadyExistsError } from '../../../machinery/errors/index.js';
import { stringFlag, type CliCommand, type CommandContext } from '../cli-context.js';
import { CliError, UsageError } from '../errors/index.js';
import { NAMESPACES } from './core-resources.js';
import { parseLabels } from './join.js';

/** Validated flags of one registration. */
interface Registration {
  name: string;
  federation: string;
  token: string;
  caPem: string;
  memberKubeconfig: string;
  memberEndpoint: string;
  out: string;
  labels: Record<string, string>;
  region: string | undefined;
  zone: string | undefined;
}

/** Reads and checks every flag; @throws UsageError / CliError listing what is wrong. */
function registration(ctx: CommandContext): Registration {
  const name = ctx.args[0];
  if (!name || ctx.args.length > 1) {
    throw new UsageError('register needs exactly one cluster name: flotilla register NAME ...');
  }
  const problems: string[] = [];
  if (!CLUSTER_NAME.test(name)) {
    problems.push(`"${name}" must be a DNS-1123 label of at most 40 characters`);
  }
  const federation = stringFlag(ctx.flags, 'federation');
  if (!federation) problems.push('--federation URL is required');
  else if (!/^https:\/\/[^/]+/.test(federation)) {
    problems.push(`--federation must be an https URL, got "${federation}"`);
  }
  const token = ctx.global.token;
  if (!token) problems.push('--token BOOTSTRAP_TOKEN is required');
  else if (!/^[a-z0-9]{6}\.[a-z0-9]{16}$/.test(token)) {
    problems.push('--token must be a bootstrap token <id>.<secret> ([a-z0-9]{6}.[a-z0-9]{16})');
  }
  const caFile = stringFlag(ctx.flags, 'ca-file');
  if (!caFile) problems.push('--ca-file FILE is required (the federation CA)');
  const memberKubeconfig = stringFlag(ctx.flags, 'member-kubeconfig');
  if (!memberKubeconfig) problems.push('--member-kubeconfig PATH is required');
  if (problems.length > 0) throw new UsageError(problems.join('; '));
  let caPem: string;
  try {
    caPem = readFileSync(caFile ?? '', 'utf8');
  } catch {
    throw new CliError(`cannot read --ca-file ${caFile ?? ''}`);
  }
  let memberEndpoint: string;
  try {
    memberEndpoint = loadKubeconfig(memberKubeconfig ?? '').server;
  } catch (err) {
    throw new CliError(
      `cannot use member kubeconfig ${memberKubeconfig ?? ''}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  return {
    name,
    federation: federation ?? '',
    token: token ?? '',
    caPem,
    memberKubeconfig: memberKubeconfig ?? '',
    memberEndpoint,
    out:
      stringFlag(ctx.flags, 'agent-kubeconfig-out') ??
      join(ctx.io.env.HOME ?? homedir(), '.flotilla', `agent-${name}.kubeconfig`),
    labels: parseLabels(stringFlag(ctx.flags, 'labels')),
    region: stringFlag(ctx.flags, 'region'),
    zone: stringFlag(ctx.flags, 'zone'),
  };
}

/** The member must answer with the member kubeconfig's credentials (the agent will use them). */
async function probeMember(r: Registration): Promise<void> {
  const c = loadKubeconfig(r.memberKubeconfig);
  const member = new RestClient({
    server: c.server,
    ...(c.token !== undefined ? { token: c.token } : {}),
    ...(c.caData ? { caData: c.caData } : {}),
    ...(c.clientCertData && c.clientKeyData
      ? { certData: c.clientCertData, keyData: c.clientKeyData }
      : {}),
    timeoutMs: 5000,
  });
  try {
    await member.resource(NAMESPACES).list({ limit: 1 });
  } catch (err) {
    throw new CliError(
      `cannot reach the member at ${c.server}: ${err instanceof Error ? err.message : String(err)}; nothing was registered`,
      { cause: err },
    );
  } finally {
    member.close();
  }
}

async function run(ctx: CommandContext): Promise<number> {
  const r = registration(ctx);
  await probeMember(r);
  const bootstrap = new RestClient({
    server: r.federation,
    token: r.token,
    caData: r.caPem,
    timeoutMs: 10_000,
  });
  let identity: { cert: string; key: string; csrName: string };
  try {
    identity = await requestAgentCertificate(bootstrap, r.name);
  } catch (err) {
    if (err instanceof AgentCertificateError) throw new CliError(err.message, { cause: err });
    throw err;
  } finally {
    bootstrap.close();
  }
  ctx.io.stdout(
    `certificate for system:flotilla:agent:${r.name} issued (csr/${identity.csrName})\n`,
  );
  const agent = new RestClient({
    server: r.federation,
    certData: identity.cert,
    keyData: identity.key,
    caData: r.caPem,
    timeoutMs: 10_000,
  });
  const cluster: Cluster = {
    apiVersion: `${CLUSTERS.group}/${CLUSTERS.version}`,
    kind: 'Cluster',
    metadata: { name: r.name, labels: r.labels },
    spec: {
      syncMode: 'Pull',
      apiEndpoint: r.memberEndpoint,
      ...(r.region ? { region: r.region } : {}),
      ...(r.zone ? { zone: r.zone } : {}),
    },
  };
  try {
    await agent.resource<Cluster>(CLUSTERS).create(cluster);
    ctx.io.stdout(`cluster/${r.name} registered (syncMode Pull)\n`);
  } catch (err) {
    // a re-registration (new agent identity): the CSR was only approved because it is a Pull cluster
    if (!(err instanceof AlreadyExistsError)) throw err;
    ctx.io.stdout(`cluster/${r.name} already registered; the new agent identity takes over\n`);
  } finally {
    agent.close();
  }
  mkdirSync(dirname(r.out), { recursive: true });
  writeFileSync(
    r.out,
    kubeconfigFor({
      name: `flotilla-agent-${r.name}`,
      server: r.federation,
      caCert: r.caPem,
      clientCert: { cert: identity.cert, key: identity.key },
    }),
    { mode: 0o600 },
  );
  chmodSync(r.out, 0o600);
  ctx.io.stdout(
    `agent kubeconfig written to ${r.out}\nrun the agent: flotilla-agent --kubeconfig ${r.out} --cluster-name ${r.name} --member-kubeconfig ${r.memberKubeconfig}\n`,
  );
  if (ctx.flags.run !== true) return 0;
  // --run: the agent in the foreground until SIGINT/SIGTERM, like the flotilla-agent binary
  const abort = new AbortController();
  const stop = (): void => {
    abort.abort();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const opts = resolveOptions({
      kubeconfig: r.out,
      clusterName: r.name,
      memberKubeconfig: r.memberKubeconfig,
    });
    await runAgentWith(opts, abort.signal, consoleLogger(`agent ${r.name}`));
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  return 0;
}

/** `flotilla register NAME --federation URL --token BOOTSTRAP_TOKEN --ca-file FILE --member-kubeconfig PATH [...]` */
export const registerCommand: CliCommand = {
  name: 'register',
  summary: 'Register a member in pull mode (agent beside it) with a bootstrap token',
  usage:
    'flotilla register NAME --federation URL --token BOOTSTRAP_TOKEN --ca-file FILE --member-kubeconfig PATH\n       [--agent-kubeconfig-out PATH] [--run] [--region R] [--zone Z] [--labels k=v,...]',
  options: {
    federation: { type: 'string' },
    'ca-file': { type: 'string' },
    'member-kubeconfig': { type: 'string' },
    'agent-kubeconfig-out': { type: 'string' },
    run: { type: 'boolean' },
    region: { type: 'string' },
    zone: { type: 'string' },
    labels: { type: 'string' },
  },
  // --token is the bootstrap token, never sent to a kubeconfig's federation
  memberToken: true,
  run,
};
