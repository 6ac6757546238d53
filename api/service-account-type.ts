/** core/v1 ServiceAccount: the identity TokenRequest issues bound tokens for. */
import type { GroupVersionResource, KubeObject } from '../machinery/meta.js';
import type { ResourceType } from '../machinery/resource-type.js';
import { invalid } from './validation.js';

/** core/v1 ServiceAccount (the fields Flotilla keeps; tokens are issued, never stored). */
export interface ServiceAccount extends KubeObject {
  secrets?: { name?: string }[];
  imagePullSecrets?: { name?: string }[];
  automountServiceAccountToken?: boolean;
}

/** GroupVersionResource of ServiceAccounts. */
export const SERVICE_ACCOUNTS: GroupVersionResource = {
  group: '',
  version: 'v1',
  resource: 'serviceaccounts',
};

/** `serviceaccount` resource type (namespaced; its `token` subresource is the TokenRequest API). */
export const serviceAccountType: ResourceType<ServiceAccount> = {
  group: '',
  version: 'v1',
  kind: 'ServiceAccount',
  plural: 'serviceaccounts',
  singular: 'serviceaccount',
  namespaced: true,
  shortNames: ['sa'],
  validate: (o) =>
    o.automountServiceAccountToken !== undefined &&
    typeof o.automountServiceAccountToken !== 'boolean'
      ? [
          invalid(
            'automountServiceAccountToken',
            o.automountServiceAccountToken,
            'must be a boolean',
          ),
        ]
      : [],
  printerColumns: [{ name: 'Secrets', type: 'integer', value: (o) => (o.secrets ?? []).length }],
};
