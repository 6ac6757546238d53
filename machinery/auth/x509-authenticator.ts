import type { AuthenticationRequest, Authenticator } from './authenticator.js';
import { withAuthenticatedGroup, type UserInfo } from './user-info.js';

/** A subject field of a peer certificate: one value, or several when the RDN repeats. */
function values(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

/**
 * Client certificates (kube-apiserver `--client-ca-file`): the common name is the user, each
 * organization a group. The API server hands over only certificates that the TLS layer verified
 * against the cluster CA (`socket.authorized`), so an unverified certificate never gets here and
 * the request falls through to the other authenticators (and 401).
 */
export class X509Authenticator implements Authenticator {
  authenticate(req: AuthenticationRequest): Promise<UserInfo | undefined> {
    const cert = req.peerCertificate;
    if (cert === undefined) return Promise.resolve(undefined);
    const subject = cert.subject as Record<string, string | string[] | undefined> | undefined;
    const cn = values(subject?.CN);
    // a certificate with zero or several CNs names nobody in particular: not an identity
    if (cn.length !== 1 || cn[0] === '') return Promise.resolve(undefined);
    const groups = values(subject?.O).filter((g) => g !== '');
    return Promise.resolve(withAuthenticatedGroup({ name: cn[0] ?? '', groups }));
  }
}
