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
}
