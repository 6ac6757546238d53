/**
 * `flotilla cordon CLUSTER` / `flotilla uncordon CLUSTER` (karmadactl cordon): add or remove the
 * taint `cluster.flotilla.io/unschedulable:NoSchedule`. New placements avoid a cordoned cluster;
 * what is already placed there stays (NoSchedule, not NoExecute). Both are idempotent.
 */
import type { CliCommand, CommandContext } from '../cli-context.js';
import { UsageError } from '../errors/index.js';
import { printClusterOutcome, updateClusterTaints, type ClusterTaint } from './taint.js';

/** Key of the taint `cordon` adds (Karmada: `cluster.karmada.io/unschedulable`). */
export const TAINT_UNSCHEDULABLE = 'cluster.flotilla.io/unschedulable';

const isCordon = (t: ClusterTaint): boolean =>
  t.key === TAINT_UNSCHEDULABLE && t.effect === 'NoSchedule';

/** The taints with the cordon taint added (unchanged when it is there already). */
export function cordonTaints(taints: ClusterTaint[]): ClusterTaint[] {
  return taints.some(isCordon)
    ? taints
    : [...taints, { key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule' }];
}

/** The taints without the cordon taint (unchanged when it is not there). */
export function uncordonTaints(taints: ClusterTaint[]): ClusterTaint[] {
  return taints.some(isCordon) ? taints.filter((t) => !isCordon(t)) : taints;
}

function command(
  name: 'cordon' | 'uncordon',
  change: (t: ClusterTaint[]) => ClusterTaint[],
  summary: string,
): CliCommand {
  return {
    name,
    summary,
    usage: `flotilla ${name} CLUSTER [-o yaml|json|name]`,
    options: {},
    run: async (ctx: CommandContext): Promise<number> => {
      const cluster = ctx.args[0];
      if (!cluster || ctx.args.length > 1) {
        throw new UsageError(`${name} needs exactly one cluster name: flotilla ${name} CLUSTER`);
      }
      const updated = await updateClusterTaints(ctx.client(), cluster, change);
      printClusterOutcome(ctx, updated, `${name}ed`);
      return 0;
    },
  };
}

/** `flotilla cordon CLUSTER`: no new placements on the cluster. */
export const cordonCommand: CliCommand = command(
  'cordon',
  cordonTaints,
  'Mark a member cluster unschedulable (new placements avoid it)',
);

/** `flotilla uncordon CLUSTER`: the cluster takes new placements again. */
export const uncordonCommand: CliCommand = command(
  'uncordon',
  uncordonTaints,
  'Mark a member cluster schedulable again',
);
