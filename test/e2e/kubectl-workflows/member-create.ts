/**
 * Member rows for the typed creates not covered in member-read (secret tls, the ExternalName and
 * LoadBalancer services, as `kubectl get` prints them) and for events.k8s.io/v1 as a user reaches
 * it: explain of that version and the aggregated view role granting it.
 */
import type { Workflow } from '../../support/kubectl-workflow-table.js';

/** The rows of this file (all in namespace kw of the member, each with its own object names). */
export const memberCreateRows: Workflow[] = [
  {
    name: 'create secret tls',
    args: ['create', 'secret', 'tls', 's-tls', '--cert=$DIR/tls.crt', '--key=$DIR/tls.key'],
    stdout: ['secret/s-tls created'],
    check: async (_r, t) => {
      const got = await t.kubectl(['get', 'secret', 's-tls', '-o', 'jsonpath={.type}']);
      t.expect(got.stdout).toBe('kubernetes.io/tls');
    },
  },
  {
    name: 'create secret tls with a missing key file',
    args: ['create', 'secret', 'tls', 's-tls-bad', '--cert=$DIR/tls.crt', '--key=$DIR/none.key'],
    code: 1,
    stderr: ['none.key: no such file or directory'],
  },
  {
    name: 'create service externalname',
    args: ['create', 'service', 'externalname', 'svc-ext', '--external-name=db.example.com'],
    stdout: ['service/svc-ext created'],
    check: async (_r, t) => {
      const got = await t.kubectl([
        'get',
        'svc',
        'svc-ext',
        '-o',
        'jsonpath={.spec.type} {.spec.externalName} [{.spec.clusterIP}]',
      ]);
      // an ExternalName Service is a DNS alias: no cluster IP
      t.expect(got.stdout).toBe('ExternalName db.example.com []');
      const row = await t.kubectl(['get', 'svc', 'svc-ext', '--no-headers']);
      t.expect(row.stdout).toMatch(/^svc-ext +ExternalName +<none> +db\.example\.com +<none> /);
    },
  },
  {
    name: 'create service loadbalancer',
    args: ['create', 'service', 'loadbalancer', 'svc-lb', '--tcp=80:8080'],
    stdout: ['service/svc-lb created'],
    check: async (_r, t) => {
      const got = await t.kubectl([
        'get',
        'svc',
        'svc-lb',
        '-o',
        'jsonpath={.spec.type} {.spec.ports[0].nodePort}',
      ]);
      t.expect(got.stdout).toMatch(/^LoadBalancer 3\d{4}$/);
      // no load-balancer controller: the address stays pending, as on a bare cluster
      const row = await t.kubectl(['get', 'svc', 'svc-lb', '--no-headers']);
      t.expect(row.stdout).toMatch(
        /^svc-lb +LoadBalancer +10\.96\.\d+\.\d+ +<pending> +80:3\d{4}\/TCP /,
      );
    },
  },
  {
    name: 'explain events --api-version=events.k8s.io/v1',
    args: ['explain', 'events', '--api-version=events.k8s.io/v1'],
    stdout: [
      'KIND:       Event',
      'GROUP:      events.k8s.io',
      'VERSION:    v1',
      'reportingController',
    ],
  },
  {
    name: 'the view role reads events.k8s.io events',
    setup: [['create', 'rolebinding', 'rb-evie', '--clusterrole=view', '--user=evie']],
    args: ['auth', 'can-i', 'list', 'events.events.k8s.io', '--as=evie'],
    stdout: [/^yes$/m],
  },
];
