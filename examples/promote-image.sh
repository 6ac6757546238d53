#!/usr/bin/env bash
# Image promotion in the local federation started by `npm run setup`:
#  1. alice logs in to the dev registry (token auth served by Flotilla) and pushes → the registry's
#     signed notification creates a pending PromotionRequest with alice as requester
#  2. alice tries to approve it, and a request she makes herself → both refused (two-person rule)
#  3. bob (promotion-approver) approves the request created by the push → the copy runs on bullmq
#  4. prod serves the manifest with the very same digest (to authenticated pulls only)
#   bash examples/promote-image.sh [STATE_DIR]     (STATE_DIR as given to local-up; default .flotilla)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$here/..
state=${1:-$root/.flotilla}
[ -f "$state/ready" ] || { echo "error: no local federation in $state; run npm run setup first" >&2; exit 1; }
export KUBECONFIG=$state/kubeconfig
export DOCKER_HOST=unix://${FLOTILLA_DOCKER_ROOT:-/var/lib/flotilla-docker}/docker.sock
dev=$(sed -n 's/^dev=//p' "$state/registries")
prod=$(sed -n 's/^prod=//p' "$state/registries")
realm=$(sed -n 's/^token-realm=//p' "$state/registries")
# the registries and the token realm serve https with the set-up's CA (entries above are host:port)
ca=$(sed -n 's/^ca-file=//p' "$state/registries")
alice_pw=$(sed -n 's/^alice=//p' "$state/registry-users")
# alice's registry login goes to a client config of its own, not to the caller's ~/.docker
export DOCKER_CONFIG=$state/docker-alice
mkdir -p "$DOCKER_CONFIG"
printf '%s' "$alice_pw" | docker login "$dev" -u alice --password-stdin >/dev/null 2>&1 ||
  { echo "error: docker login to $dev as alice failed" >&2; exit 1; }
registry() { "$root/node_modules/.bin/node" "$root/dist/registry/cmd/flotilla-registry.js" --kubeconfig "$KUBECONFIG" "$@"; }

tag=v$(date +%s)
docker tag flotilla/busybox:latest "$dev/app/web:$tag"
digest=$(docker push "$dev/app/web:$tag" | sed -n 's/.*digest: \(sha256:[0-9a-f]*\).*/\1/p')
echo "pushed $dev/app/web:$tag ($digest)"

request=""
deadline=$((SECONDS + 30))
while [ "$SECONDS" -lt "$deadline" ]; do
  request=$(kubectl --context federation get promotionrequests \
    -o jsonpath="{range .items[?(@.spec.image.digest==\"$digest\")]}{.metadata.name}{\"\\n\"}{end}" | head -1)
  [ -n "$request" ] && break
  sleep 0.25
done
[ -n "$request" ] || { echo "error: no PromotionRequest for $digest after 30 s" >&2; exit 1; }
echo "push created promotionrequest/$request (requester: $(kubectl --context federation get promotionrequest "$request" -o jsonpath='{.spec.requester}'))"
if registry --context federation-alice approve "$request" --role release-manager; then
  echo "error: alice approved her own push" >&2
  exit 1
fi

echo "alice requests the promotion herself and tries to approve it:"
own=$(registry --context federation-alice promote "app/web@$digest" --from dev --to prod --reason demo |
  sed -n 's|promotionrequest/\(.*\) created|\1|p')
if registry --context federation-alice approve "$own" --role release-manager; then
  echo "error: self-approval was accepted" >&2
  exit 1
fi

echo "bob approves promotionrequest/$request:"
registry --context federation-bob approve "$request" --role release-manager
deadline=$((SECONDS + 60))
while [ "$SECONDS" -lt "$deadline" ]; do
  phase=$(kubectl --context federation get promotionrequest "$request" -o jsonpath='{.status.phase}')
  [ "$phase" = Succeeded ] && break
  sleep 0.25
done
registry --context federation status "$request"
[ "$phase" = Succeeded ] || { echo "error: promotion is $phase after 60 s" >&2; exit 1; }

# prod serves nobody anonymously: a pull token from Flotilla's token endpoint, as alice
token=$(curl -sf --cacert "$ca" -u "alice:$alice_pw" "$realm?service=prod&scope=repository:app/web:pull" |
  sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
served=$(curl -sI --cacert "$ca" -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
  -H "Authorization: Bearer $token" \
  "https://$prod/v2/app/web/manifests/$digest" | sed -n 's/^[Dd]ocker-[Cc]ontent-[Dd]igest: \(sha256:[0-9a-f]*\).*/\1/p')
echo "prod serves app/web@$served"
[ "$served" = "$digest" ] || { echo "error: prod digest $served differs from $digest" >&2; exit 1; }
