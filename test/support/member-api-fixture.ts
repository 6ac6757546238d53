/**
 * A member API server of a test on its own etcd: the cluster's authentication (CA and client
 * certificates), a system:masters client and kubeconfig, and kubeconfig files for other users.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterAuthentication } from '../../machinery/apiserver/cluster-authentication.js';
import { MASTERS_GROUP } from '../../machinery/auth/user-info.js';
import { kubeconfigFor } from '../../machinery/client/kubeconfig.js';
import { RestClient } from '../../machinery/client/rest-client.js';
import type { ResourceType } from '../../machinery/resource-type.js';
import { startEtcd, type EtcdService } from '../../hack/lib/services.js';
import { podType, secretType, serviceAccountType } from '../../api/index.js';
import { startMemberApiServer, type RunningMemberApiServer } from '../../member/apiserver/index.js';

/** What {@link startMemberApi} started. */
export interface MemberApiFixture {
  etcd: EtcdService;
  api: RunningMemberApiServer;
  auth: ClusterAuthentication;
  /** A system:masters client of the API server. */
  admin: RestClient;
  /** The kubeconfig file of `admin` (in {@link dir}). */
  adminKubeconfig: string;
  /** A temporary directory of the test. */
  dir: string;
  /** Writes `<dir>/<user>.kubeconfig` with a client certificate of `user` in `groups`. */
  kubeconfig: (user: string, groups?: string[]) => string;
  /** Closes the admin client, stops the API server and etcd. */
  stop(): Promise<void>;
}

/** The authentication (CA, client certificates, service-account tokens) of test member `name`. */
export function memberAuthentication(name: string): ClusterAuthentication {
  return new ClusterAuthentication({
    clusterName: name,
    types: {
      serviceAccounts: serviceAccountType,
      secrets: secretType,
      pods: podType as unknown as ResourceType,
    },
  });
}

/** Starts etcd and a member API server `name`; `dirPrefix` names the temporary directory. */
export async function startMemberApi(name: string, dirPrefix: string): Promise<MemberApiFixture> {
  const etcd = await startEtcd();
  try {
    const dir = mkdtempSync(join(tmpdir(), dirPrefix));
    const auth = memberAuthentication(name);
    const api = await startMemberApiServer({
      clusterName: name,
      etcdEndpoints: [etcd.endpoint],
      etcdPrefix: `/test-${randomUUID().slice(0, 8)}/member`,
      auth,
    });
    const kubeconfig = (user: string, groups: string[] = []): string => {
      const file = join(dir, `${user}.kubeconfig`);
      writeFileSync(
        file,
        kubeconfigFor({
          name,
          server: api.url,
          clientCert: auth.clientCert(user, groups),
          caCert: api.tls.cert,
        }),
      );
      return file;
    };
    const adminKubeconfig = kubeconfig('admin', [MASTERS_GROUP]);
    const adminCert = auth.clientCert('admin', [MASTERS_GROUP]);
    const admin = new RestClient({
      server: api.url,
      certData: adminCert.cert,
      keyData: adminCert.key,
      caData: api.tls.cert,
    });
    return {
      etcd,
      api,
      auth,
      admin,
      adminKubeconfig,
      dir,
      kubeconfig,
      stop: async () => {
        admin.close();
        await api.stop();
        await etcd.stop();
      },
    };
  } catch (err) {
    await etcd.stop();
    throw err;
  }
}
