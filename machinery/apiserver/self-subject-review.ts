import type { Context } from 'koa';
import type { UserInfo } from '../auth/user-info.js';

/** Path of the SelfSubjectReview API (`kubectl auth whoami`). */
export const SELF_SUBJECT_REVIEW_PATH = '/apis/authentication.k8s.io/v1/selfsubjectreviews';

/**
 * `POST /apis/authentication.k8s.io/v1/selfsubjectreviews`: tells the caller who the server
 * thinks it is (after impersonation), as kube-apiserver does. Nothing is stored.
 */
export function selfSubjectReview(ctx: Context): Promise<void> {
  const user = ctx.state.userInfo as UserInfo;
  ctx.status = 201;
  ctx.type = 'application/json';
  ctx.body = {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'SelfSubjectReview',
    metadata: { creationTimestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') },
    status: {
      userInfo: {
        username: user.name,
        ...(user.uid !== undefined ? { uid: user.uid } : {}),
        groups: [...user.groups],
        ...(user.extra !== undefined ? { extra: user.extra } : {}),
      },
    },
  };
  return Promise.resolve();
}
