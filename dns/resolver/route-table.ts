/** One forwarding rule: names under `zone` go to `servers` (`host:port`). */
export interface Route {
  zone: string;
  servers: string[];
  /** The cluster that owns the zone, when it came from a Cluster object. */
  cluster?: string;
}

/** Longest-suffix routing table (dnsmasq `server=/zone/addr`). Replaced atomically. */
export class RouteTable {
  private routes: Route[] = [];

  /** Replaces all routes. */
  set(routes: Route[]): void {
    this.routes = routes
      .map((r) => ({ ...r, zone: r.zone.toLowerCase().replace(/\.$/, '') }))
      .sort((a, b) => b.zone.length - a.zone.length);
  }

  all(): Route[] {
    return this.routes;
  }

  /** The route with the longest zone that is a suffix of `name` (label-aligned). */
  match(name: string): Route | undefined {
    const n = name.toLowerCase();
    return this.routes.find((r) => n === r.zone || n.endsWith(`.${r.zone}`));
  }
}
