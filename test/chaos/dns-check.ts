/**
 * The chaos run's DNS invariant: in every member, the cluster DNS answers the workload's Service
 * name (`chaos-web.chaos.svc.<member zone>`, fixtures.ts) with the ClusterIP the member's API server
 * holds for it, and so does the central resolver (which forwards a member zone's names to that
 * member's cluster DNS) when one runs. Real DNS queries over UDP to 127.x servers (node:dns, one
 * second per try, two tries), no cache in between.
 */
import { Resolver } from 'node:dns/promises';
import { SERVICES, type Service } from '../../api/index.js';
import type { RestClient } from '../../machinery/client/rest-client.js';
import { DNS_SERVICE } from './fixtures.js';
import { CHAOS_NAMESPACE } from './workload.js';

/** A DNS server on the loopback. */
export interface DnsServer {
  host: string;
  port: number;
}

/** One member as the DNS invariant sees it. */
export interface DnsMember {
  /** The member's admin client (the Service's ClusterIP). */
  client: RestClient;
  /** Its zone (`member1.flotilla.local`). */
  clusterDomain: string;
  /** Its cluster DNS server. */
  dns: DnsServer;
}

/** What {@link checkDns} asks. */
export interface DnsInputs {
  /** Member name → its API, zone and cluster DNS. */
  members: ReadonlyMap<string, DnsMember>;
  /** The central resolver, when it runs. */
  resolver?: DnsServer;
}

/** The A records `server` answers for `name` now; throws on no answer, NXDOMAIN, timeout. */
export async function resolveA(server: DnsServer, name: string): Promise<string[]> {
  const r = new Resolver({ timeout: 1000, tries: 2 });
  r.setServers([`${server.host}:${String(server.port)}`]);
  return r.resolve4(name);
}

/** The Service name of the DNS invariant in a member's zone. */
export const serviceName = (clusterDomain: string): string =>
  `${DNS_SERVICE}.${CHAOS_NAMESPACE}.svc.${clusterDomain}`;

/**
 * Checks the invariant once; `bad` gets each violation (`dns: ...`). Returns the number of
 * answers checked (members × servers).
 */
export async function checkDns(
  i: DnsInputs,
  bad: (what: string, msg: string) => void,
): Promise<number> {
  let checked = 0;
  for (const [m, member] of i.members) {
    let ip: string | undefined;
    try {
      const svc = await member.client.resource<Service>(SERVICES, CHAOS_NAMESPACE).get(DNS_SERVICE);
      ip = svc.spec.clusterIP;
    } catch (err) {
      bad(
        'dns',
        `Service ${DNS_SERVICE} in ${m}: ${err instanceof Error ? err.message : String(err)}`,
      );
      continue;
    }
    if (ip === undefined || ip === '' || ip === 'None') {
      bad('dns', `Service ${DNS_SERVICE} in ${m} has no ClusterIP (${String(ip)})`);
      continue;
    }
    const name = serviceName(member.clusterDomain);
    const servers: [string, DnsServer][] = [[`${m} cluster DNS`, member.dns]];
    if (i.resolver) servers.push(['the resolver', i.resolver]);
    for (const [who, server] of servers) {
      checked++;
      try {
        const got = await resolveA(server, name);
        if (!got.includes(ip)) {
          bad(
            'dns',
            `${who} answers ${name} with ${got.join(',') || 'nothing'}, the ClusterIP is ${ip}`,
          );
        }
      } catch (err) {
        const code = (err as { code?: string }).code ?? (err instanceof Error ? err.message : '');
        bad('dns', `${who} does not answer ${name} (${code})`);
      }
    }
  }
  return checked;
}
