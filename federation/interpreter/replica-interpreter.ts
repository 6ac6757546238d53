/**
 * The resource interpreter (Karmada's shape): for any kind, how many replicas an object has, how
 * to revise them for each cluster and how to aggregate the members' statuses. A
 * ResourceInterpreterCustomization for the object's apiVersion and kind wins — its rules are
 * field paths (see {@link parseFieldPath}) read and written on plain JSON, no user code runs —
 * otherwise the built-in rules apply ({@link builtinReplicaRule}); a kind with neither has no
 * replicas (placed Duplicated).
 */
import type { KubeObject } from '../../machinery/meta.js';
import type { ResourceInterpreterCustomization } from '../apis/interpreter-types.js';
import { divideByWeight } from '../scheduler/placement.js';
import { builtinReplicaRule, divideJobCompletions } from './builtin-replicas.js';
import { parseFieldPath, readPath, writePath, type FieldPath } from './field-path.js';
import {
  FieldPathSyntaxError,
  InterpreterRuleError,
  type InterpreterOperation,
} from './interpreter-errors.js';

/** What a {@link ResourceInterpreter} reads its customizations from. */
export interface ResourceInterpreterOptions {
  /** The ResourceInterpreterCustomizations now (e.g. an informer's list). */
  customizations: () => readonly ResourceInterpreterCustomization[];
}

/** One member's status, as status aggregation gets it (Karmada's `statusItems`). */
export interface StatusItem {
  clusterName: string;
  status: Record<string, unknown> | undefined;
  applied: boolean;
}

/** A placed cluster and its replicas (undefined: none assigned, it gets no revised copy). */
export interface ClusterShare {
  name: string;
  replicas?: number;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** Interprets objects' replicas (and, by customization, statuses) for the propagation. */
export class ResourceInterpreter {
  private readonly opts: ResourceInterpreterOptions;
  /** Parsed paths by source (the grammar is fixed, so a path parses the same forever). */
  private readonly parsed = new Map<string, FieldPath>();

  constructor(opts: ResourceInterpreterOptions) {
    this.opts = opts;
  }

  /** The customization of the object's apiVersion and kind (the first by name when several). */
  customizationFor(
    obj: Pick<KubeObject, 'apiVersion' | 'kind'>,
  ): ResourceInterpreterCustomization | undefined {
    return this.opts
      .customizations()
      .filter((c) => c.spec.target.apiVersion === obj.apiVersion && c.spec.target.kind === obj.kind)
      .sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''))[0];
  }

  /**
   * The object's replicas: the integer at the customization's `replicaResource.replicas` path,
   * else the built-in rule's; undefined when the kind has neither (it has no replicas to divide).
   * @throws InterpreterRuleError (not retryable) when the path holds no non-negative integer
   */
  getReplicas(obj: KubeObject): number | undefined {
    const c = this.customizationFor(obj);
    const rule = c?.spec.customizations.replicaResource;
    if (!c || !rule) return builtinReplicaRule(obj)?.get(obj);
    return this.countAt(c, 'InterpretReplica', obj, rule.replicas, true);
  }

  /**
   * A copy of `obj` for each cluster with replicas: the customization's `replicaRevision` (the
   * share written to its `replicas` path, each `proportional` field divided in proportion to the
   * clusters' replicas), else the built-in rule (a Job's completions divided likewise), else
   * `spec.replicas` set. Never mutates `obj`.
   * @throws InterpreterRuleError (not retryable) when a field cannot be read or written
   */
  reviseReplicas(obj: KubeObject, clusters: readonly ClusterShare[]): Map<string, KubeObject> {
    const c = this.customizationFor(obj);
    const rule = c?.spec.customizations.replicaRevision;
    const out = new Map<string, KubeObject>();
    if (c && rule) {
      const weights = clusters.map((x) => ({ name: x.name, weight: x.replicas ?? 0 }));
      const shares = (rule.proportional ?? []).flatMap((p) => {
        const total = this.countAt(c, 'ReviseReplica', obj, p, false);
        return total === undefined ? [] : [{ p, split: divideByWeight(total, weights) }];
      });
      for (const x of clusters) {
        if (x.replicas === undefined) continue;
        const copy = structuredClone(obj);
        this.write(c, copy, rule.replicas, x.replicas);
        for (const { p, split } of shares) this.write(c, copy, p, split.get(x.name) ?? 0);
        // a path may point anywhere: the copy's identity stays the template's whatever it wrote
        out.set(x.name, { ...copy, apiVersion: obj.apiVersion, kind: obj.kind });
      }
      return out;
    }
    const builtin = builtinReplicaRule(obj);
    const completions = divideJobCompletions(obj, clusters);
    for (const x of clusters) {
      if (x.replicas === undefined) continue;
      const copy = builtin ? builtin.revise(obj, x.replicas) : structuredClone(obj);
      const spec = isRecord(copy.spec) ? copy.spec : {};
      if (!builtin) spec.replicas = x.replicas;
      const share = completions?.get(x.name);
      if (share !== undefined) spec.completions = share;
      copy.spec = spec;
      out.set(x.name, copy);
    }
    return out;
  }

  /** True when a customization aggregates the kind's status. */
  aggregatesStatus(obj: Pick<KubeObject, 'apiVersion' | 'kind'>): boolean {
    return this.customizationFor(obj)?.spec.customizations.statusAggregation !== undefined;
  }

  /**
   * The template's status from its members' by the customization's `statusAggregation` (only
   * the fields it names); undefined when no customization aggregates the kind.
   * @throws InterpreterRuleError (not retryable) when a summed or maximised field is not a number
   */
  aggregateStatus(obj: KubeObject, items: StatusItem[]): Record<string, unknown> | undefined {
    const c = this.customizationFor(obj);
    const rule = c?.spec.customizations.statusAggregation;
    if (!c || !rule) return undefined;
    const members = [...items]
      .sort((a, b) => a.clusterName.localeCompare(b.clusterName))
      .map((i) => ({ status: i.status ?? {} }));
    const out: Record<string, unknown> = { status: {} };
    const numbers = (p: string): number[] =>
      members.flatMap((m) =>
        readPath(m, this.path(c, 'AggregateStatus', p)).map((v) => {
          if (typeof v === 'number' && Number.isFinite(v)) return v;
          throw new InterpreterRuleError(
            c.metadata.name ?? '',
            'AggregateStatus',
            `${p} holds ${JSON.stringify(v)}, not a number`,
          );
        }),
      );
    for (const p of rule.sum ?? []) {
      this.write(
        c,
        out,
        p,
        numbers(p).reduce((n, v) => n + v, 0),
        'AggregateStatus',
      );
    }
    for (const p of rule.max ?? []) {
      const found = numbers(p);
      if (found.length > 0) this.write(c, out, p, Math.max(...found), 'AggregateStatus');
    }
    for (const p of rule.copy ?? []) {
      const first = members.flatMap((m) => readPath(m, this.path(c, 'AggregateStatus', p)))[0];
      if (first !== undefined) this.write(c, out, p, structuredClone(first), 'AggregateStatus');
    }
    return isRecord(out.status) ? out.status : {};
  }

  /** The integer at `p` (undefined when absent and not `required`). */
  private countAt(
    c: ResourceInterpreterCustomization,
    op: InterpreterOperation,
    obj: KubeObject,
    p: string,
    required: true,
  ): number;
  private countAt(
    c: ResourceInterpreterCustomization,
    op: InterpreterOperation,
    obj: KubeObject,
    p: string,
    required: boolean,
  ): number | undefined;
  private countAt(
    c: ResourceInterpreterCustomization,
    op: InterpreterOperation,
    obj: KubeObject,
    p: string,
    required: boolean,
  ): number | undefined {
    const found = readPath(obj, this.path(c, op, p));
    const v = found[0];
    if (v === undefined && !required) return undefined;
    if (found.length > 1 || !isCount(v)) {
      const held = v === undefined ? 'nothing' : JSON.stringify(found.length > 1 ? found : v);
      throw new InterpreterRuleError(
        c.metadata.name ?? '',
        op,
        `${p} holds ${held}, not a non-negative integer`,
      );
    }
    return v;
  }

  private write(
    c: ResourceInterpreterCustomization,
    target: Record<string, unknown>,
    p: string,
    value: unknown,
    op: InterpreterOperation = 'ReviseReplica',
  ): void {
    if (!writePath(target, this.path(c, op, p), value)) {
      throw new InterpreterRuleError(
        c.metadata.name ?? '',
        op,
        `${p} cannot be written (a value of another shape is in the way)`,
      );
    }
  }

  private path(
    c: ResourceInterpreterCustomization,
    op: InterpreterOperation,
    p: string,
  ): FieldPath {
    const known = this.parsed.get(p);
    if (known) return known;
    try {
      const parsed = parseFieldPath(p);
      if (this.parsed.size > 1000) this.parsed.clear();
      this.parsed.set(p, parsed);
      return parsed;
    } catch (err) {
      if (err instanceof FieldPathSyntaxError) {
        throw new InterpreterRuleError(c.metadata.name ?? '', op, err.message, { cause: err });
      }
      throw err;
    }
  }
}
