import { BadRequestError } from '../errors/index.js';

/** A parsed resource URL. */
export interface ResourcePath {
  group: string;
  version: string;
  namespace: string | undefined;
  resource: string;
  name: string | undefined;
  subresource: string | undefined;
  /**
   * The `proxy` subresource's trailing path, still %-encoded as sent (`/api/v1/pods` of
   * `.../clusters/m1/proxy/api/v1/pods`; `/` when there is none). Only set for `proxy`.
   */
  proxyPath?: string;
}

/** A discovery URL: /api, /apis, /api/v1, /apis/<g>, /apis/<g>/<v>. */
export interface DiscoveryPath {
  discovery: 'api' | 'apis' | 'group' | 'groupVersion';
  group: string;
  version: string;
}

/** Decodes one %-encoded path segment. @throws BadRequestError on malformed escapes. */
function decodeSegment(seg: string): string {
  try {
    return decodeURIComponent(seg);
  } catch {
    throw new BadRequestError(`malformed URL path segment "${seg}"`);
  }
}

/**
 * Parses `/api/v1/...` and `/apis/<g>/<v>/...`. `isResource(group, version, name)` disambiguates
 * `/namespaces/<ns>/<resource>` from the `namespaces` resource's own subresources.
 */
export function parseResourcePath(
  path: string,
  isResource: (group: string, version: string, plural: string) => boolean,
): ResourcePath | DiscoveryPath | undefined {
  const raw = path.split('/').filter((s) => s !== '');
  const segs = raw.map(decodeSegment);
  let group: string;
  let version: string;
  let rest: string[];
  if (segs[0] === 'api') {
    if (segs.length === 1) return { discovery: 'api', group: '', version: '' };
    group = '';
    version = segs[1] ?? '';
    rest = segs.slice(2);
  } else if (segs[0] === 'apis') {
    if (segs.length === 1) return { discovery: 'apis', group: '', version: '' };
    group = segs[1] ?? '';
    if (segs.length === 2) return { discovery: 'group', group, version: '' };
    version = segs[2] ?? '';
    rest = segs.slice(3);
  } else {
    return undefined;
  }
  if (rest.length === 0) return { discovery: 'groupVersion', group, version };
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3 && isResource(group, version, rest[2] ?? '')) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  // `<resource>/<name>/proxy/<path...>`: everything after `proxy` is the proxied path
  if (rest.length >= 3 && rest[2] === 'proxy') {
    return {
      group,
      version,
      namespace,
      resource: rest[0] ?? '',
      name: rest[1],
      subresource: 'proxy',
      proxyPath: `/${raw.slice(raw.length - (rest.length - 3)).join('/')}`,
    };
  }
  if (rest.length > 3) return undefined;
  return {
    group,
    version,
    namespace,
    resource: rest[0] ?? '',
    name: rest[1],
    subresource: rest[2],
  };
}
