/**
 * Small manifests of the kubectl workflow table (YAML for `kubectl ... -f -`), and the seed
 * objects every table expects in the member's namespace `kw`.
 */
import { IMAGE } from '../../support/kubectl-workflow-env.js';
import type { Step } from '../../support/kubectl-workflow-table.js';

/** A ConfigMap `name` with `data` in namespace `ns`. */
export function configMap(name: string, data: Record<string, string>, ns = 'kw'): string {
  return `apiVersion: v1
kind: ConfigMap
metadata: {name: ${name}, namespace: ${ns}, labels: {made-by: kwf}}
data: ${JSON.stringify(data)}
`;
}

/** A Deployment `name` of the busybox httpd image (`app=<name>`). */
export function deployment(name: string, replicas = 1, ns = 'kw'): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${ns}}
spec:
  replicas: ${String(replicas)}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      terminationGracePeriodSeconds: 2
      containers: [{name: c, image: "${IMAGE}"}]
`;
}

/** Setup steps: apply Deployment `name` and wait until it rolled out. */
export function readyDeployment(name: string, replicas = 1): Step[] {
  return [
    { args: ['apply', '-f', '-'], stdin: deployment(name, replicas) },
    { args: ['rollout', 'status', `deployment/${name}`, '--timeout=90s'] },
  ];
}

/** The shell of the `web` pod: a line every half second, httpd on 8080, `tar` for kubectl cp. */
const WEB_SCRIPT =
  "/bin/busybox ln -sf busybox /bin/tar; trap 'exit 0' TERM; " +
  'i=0; while true; do echo line $i; i=$((i+1)); sleep 0.5; done & httpd -f -p 8080 -h /www & wait';

/** What every member row may rely on: namespace kw, ConfigMap seed, pods web and crash. */
export const MEMBER_SEED = `apiVersion: v1
kind: Namespace
metadata: {name: kw}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: seed, namespace: kw, labels: {tier: seed}}
data: {a: b}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: kw, labels: {app: web}}
spec:
  terminationGracePeriodSeconds: 2
  containers:
  - name: main
    image: "${IMAGE}"
    command: ["/bin/sh", "-c", ${JSON.stringify(WEB_SCRIPT)}]
    ports: [{containerPort: 8080}]
    readinessProbe: {httpGet: {path: /, port: 8080}, periodSeconds: 1}
---
apiVersion: v1
kind: Pod
metadata: {name: crash, namespace: kw}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: "${IMAGE}"
    command: ["/bin/sh", "-c", "echo crashed-once; sleep 1; exit 1"]
`;
