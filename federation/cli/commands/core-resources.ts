/** Core/v1 resources the CLI itself writes or reads (join's Secret and Namespace). */
import type { GroupVersionResource } from '../../../machinery/meta.js';

/** core/v1 secrets. */
export const SECRETS: GroupVersionResource = { group: '', version: 'v1', resource: 'secrets' };
/** core/v1 namespaces. */
export const NAMESPACES: GroupVersionResource = {
  group: '',
  version: 'v1',
  resource: 'namespaces',
};
