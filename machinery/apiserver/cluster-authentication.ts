import type { KubeObject } from '../meta.js';
import { UnionAuthenticator, type Authenticator } from '../auth/authenticator.js';
import { BootstrapTokenAuthenticator } from '../auth/bootstrap-token-authenticator.js';
import {
  ServiceAccountTokenAuthenticator,
  ServiceAccountTokenSigner,
  type ObjectLookup,
} from '../auth/service-account-token.js';
import { StaticTokenAuthenticator, type StaticToken } from '../auth/static-token-authenticator.js';
import { X509Authenticator } from '../auth/x509-authenticator.js';
import { InternalError, NotFoundError } from '../errors/index.js';
import type { GenericRegistry } from '../registry/generic-registry.js';
import type { ResourceType } from '../resource-type.js';
import type { ApiServer } from './api-server.js';
import { CertificateAuthority, type ClientCert } from './cert-authority.js';
import { SELF_SUBJECT_REVIEW_PATH, selfSubjectReview } from './self-subject-review.js';
import type { ServingCert } from './serving-cert.js';
import { tokenRequestHandler } from './token-request-handler.js';

/** Options for {@link ClusterAuthentication}. */
export interface ClusterAuthenticationOptions {
  /** Names the CA and the service-account token issuer. */
  clusterName: string;
  /** The cluster's CA. @defaultValue a new one */
  ca?: CertificateAuthority;
  /** The service-account token signing key (PKCS#8 PEM). @defaultValue a new one */
  serviceAccountKey?: string;
  /** Static bearer tokens (kept for joins and scripts that hold a token). */
  staticTokens?: readonly StaticToken[];
  /** The served types tokens refer to: ServiceAccounts, Secrets (bootstrap, bound) and Pods. */
  types: { serviceAccounts: ResourceType; secrets: ResourceType; pods?: ResourceType };
  /** `iss` of service-account tokens. @defaultValue `https://<clusterName>.flotilla.local` */
  issuer?: string;
  /** Audiences this API accepts. @defaultValue [issuer] */
  audiences?: readonly string[];
  /** Longest TokenRequest lifetime. @defaultValue 86400 */
  maxTokenExpirationSeconds?: number;
  now?: () => Date;
}

/**
 * Everything a cluster's API server needs to authenticate requests, in kube-apiserver's order:
 * client certificates signed by the cluster CA, static tokens, bound service-account tokens
 * (TokenRequest) and bootstrap tokens; plus the APIs that go with them — `serviceaccounts/token`
 * and `selfsubjectreviews`. Build it before the ApiServer (its `authenticator` and `tls` options)
 * and `install` it on the server once constructed: the token authenticators read ServiceAccounts
 * and Secrets through the server's registry.
 */
export class ClusterAuthentication {
  readonly ca: CertificateAuthority;
  readonly signer: ServiceAccountTokenSigner;
  readonly audiences: readonly string[];
  /** Pass as ApiServerOptions.authenticator. */
  readonly authenticator: Authenticator;
  private readonly opts: ClusterAuthenticationOptions;
  private registry: GenericRegistry | undefined;

  constructor(opts: ClusterAuthenticationOptions) {
    this.opts = opts;
    this.ca = opts.ca ?? CertificateAuthority.create(`${opts.clusterName}-ca`);
    this.signer = new ServiceAccountTokenSigner(
      opts.issuer ?? `https://${opts.clusterName}.flotilla.local`,
      opts.serviceAccountKey,
    );
    this.audiences = opts.audiences ?? [this.signer.issuer];
    const now = opts.now ? { now: opts.now } : {};
    const lookup: ObjectLookup = (kind, ns, name) => {
      const rt =
        kind === 'ServiceAccount'
          ? opts.types.serviceAccounts
          : kind === 'Pod'
            ? opts.types.pods
            : opts.types.secrets;
      return rt ? this.get(rt, ns, name) : Promise.resolve(undefined);
    };
    this.authenticator = new UnionAuthenticator([
      new X509Authenticator(),
      new StaticTokenAuthenticator(opts.staticTokens ?? []),
      new ServiceAccountTokenAuthenticator({
        signer: this.signer,
        lookup,
        audiences: this.audiences,
        ...now,
      }),
      new BootstrapTokenAuthenticator({
        lookup: (ns, name) => this.get(opts.types.secrets, ns, name),
        ...now,
      }),
    ]);
  }

  /** ApiServerOptions.tls: a CA-signed serving certificate, and the CA for client certificates. */
  tls(ips: string[] = ['127.0.0.1']): ServingCert & { clientCa: string } {
    return { ...this.ca.servingCert(ips), clientCa: this.ca.cert };
  }

  /** A client certificate for a user of this cluster (`system:masters` for admins). */
  clientCert(user: string, groups: readonly string[] = []): ClientCert {
    return this.ca.clientCert(user, groups);
  }

  /** Serves TokenRequest and SelfSubjectReview on the server and reads objects through it. */
  install(server: ApiServer): void {
    this.registry = server.registry;
    const handler = tokenRequestHandler({
      signer: this.signer,
      defaultAudiences: this.audiences,
      boundTypes: {
        Secret: this.opts.types.secrets,
        ...(this.opts.types.pods ? { Pod: this.opts.types.pods } : {}),
      },
      ...(this.opts.maxTokenExpirationSeconds !== undefined
        ? { maxExpirationSeconds: this.opts.maxTokenExpirationSeconds }
        : {}),
      ...(this.opts.now ? { now: this.opts.now } : {}),
    });
    server.registerSubresource(this.opts.types.serviceAccounts, 'token', handler);
    server.registerRoute('POST', SELF_SUBJECT_REVIEW_PATH, selfSubjectReview);
  }

  private async get(rt: ResourceType, ns: string, name: string): Promise<KubeObject | undefined> {
    if (!this.registry) throw new InternalError('ClusterAuthentication is not installed');
    try {
      return await this.registry.get(rt, ns, name);
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }
}
