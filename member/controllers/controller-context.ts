import type { CertificateAuthority } from '../../machinery/apiserver/cert-authority.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { Logger } from '../../machinery/controller/index.js';
import type { InformerFactory } from '../../machinery/informer/index.js';
import type { EventRecorder } from './event-recorder.js';

/** What every member controller is built from. */
export interface ControllerContext {
  client: KubeClient;
  informers: InformerFactory;
  logger: Logger;
  /** Clock (tests). */
  now: () => Date;
  /** Where controllers record Events (none in unit tests unless given). */
  recorder?: EventRecorder;
  /**
   * The cluster CA (`--cluster-signing-cert-file`/`--cluster-signing-key-file`), for the
   * controllers that sign certificates (kubelet CSRs). @defaultValue none: nothing is signed
   */
  signer?: CertificateAuthority;
}
