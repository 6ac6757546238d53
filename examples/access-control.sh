#!/usr/bin/env bash
# Access control in the local federation started by `npm run setup` (run after
# examples/web-divided.sh, whose `web` Deployment it uses):
#  1. no credentials, or a made-up bearer token (even `constructor`), get 401
#  2. who is who: `kubectl auth whoami` for the admin, alice and bob (client certificates)
#  3. RBAC: alice (promotion-requester) cannot read Secrets or delete Clusters; bob may approve
#  4. server-side dry run: `kubectl diff` and `apply --dry-run=server` of web scaled to 3 change
#     nothing, neither at the federation nor in the members
#   bash examples/access-control.sh [STATE_DIR]     (STATE_DIR as given to local-up; default .flotilla)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
state=${1:-$here/../.flotilla}
[ -f "$state/ready" ] || { echo "error: no local federation in $state; run npm run setup first" >&2; exit 1; }
export KUBECONFIG=$state/kubeconfig
image=$(cat "$state/image")
kubectl --context federation get deployment web >/dev/null 2>&1 ||
  { echo "error: no web Deployment at the federation; run examples/web-divided.sh first" >&2; exit 1; }

fed=$(kubectl config view -o jsonpath='{.clusters[?(@.name=="federation")].cluster.server}')
for token in "" constructor __proto__ "$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"; do
  code=$(curl -sk -o /dev/null -w '%{http_code}' ${token:+-H "Authorization: Bearer $token"} \
    "$fed/api/v1/secrets")
  echo "GET /api/v1/secrets with token '${token:-<none>}': HTTP $code"
  [ "$code" = 401 ] || { echo "error: expected 401" >&2; exit 1; }
done

for ctx in federation federation-alice federation-bob; do
  echo "$ctx is $(kubectl --context "$ctx" auth whoami -o jsonpath='{.status.userInfo.username} {.status.userInfo.groups}')"
done

# `auth can-i` exits 1 for "no": keep its answer, not its exit code
can() { kubectl --context "$1" auth can-i "${@:2}" 2>/dev/null || true; }
echo "alice can list secrets: $(can federation-alice list secrets -A)"
echo "alice can delete clusters: $(can federation-alice delete clusters.cluster.flotilla.io)"
echo "alice can create promotionrequests: $(can federation-alice create promotionrequests.registry.flotilla.io)"
echo "bob can approve promotions: $(can federation-bob approve promotionrequests.registry.flotilla.io --subresource=approval)"
if out=$(kubectl --context federation-alice get secrets -A 2>&1); then
  echo "error: alice listed secrets" >&2
  exit 1
fi
echo "alice lists secrets: ${out#Error from server }"

rv=$(kubectl --context federation get deployment web -o jsonpath='{.metadata.resourceVersion}')
before="$(kubectl --context member1 get deployment web -o jsonpath='{.spec.replicas}')+$(kubectl --context member2 get deployment web -o jsonpath='{.spec.replicas}')"
scaled=$(sed -e "s|IMAGE|$image|" -e 's/replicas: 6/replicas: 3/' "$here/web-divided.yaml")
echo "kubectl diff of web scaled to 3:"
set +e
printf '%s\n' "$scaled" | kubectl --context federation diff -f - | grep -E '^[-+] +replicas:'
code=${PIPESTATUS[1]}
set -e
# kubectl diff exits 1 when there are differences, > 1 on errors
[ "$code" = 1 ] || { echo "error: kubectl diff exited $code" >&2; exit 1; }
printf '%s\n' "$scaled" | kubectl --context federation apply --dry-run=server -f - | grep deployment
sleep 3
after_rv=$(kubectl --context federation get deployment web -o jsonpath='{.metadata.resourceVersion}')
after="$(kubectl --context member1 get deployment web -o jsonpath='{.spec.replicas}')+$(kubectl --context member2 get deployment web -o jsonpath='{.spec.replicas}')"
echo "after the dry runs: federation resourceVersion $rv -> $after_rv, member replicas $before -> $after"
[ "$rv" = "$after_rv" ] && [ "$before" = "$after" ] || { echo "error: a dry run changed web" >&2; exit 1; }
