#!/usr/bin/env bash
# Installs everything Flotilla needs on a Debian machine (run as root):
#  - system packages via apt-get, only when missing: etcd-server redis-server docker.io docker-registry,
#    plus the tools the tests, examples and benchmarks drive (dnsutils for dig, dnsmasq, dnsperf,
#    skopeo, busybox-static, curl, chromium for the dashboard's browser e2e, zsh to check the completion script, wrk for the service-proxy bench,
#    faketime (libfaketime) for the e2e that jumps a member's clock)
#  - npm dependencies (npm ci when node_modules is missing or older than package-lock.json), among them
#    the `node` package: the Node.js 24 LTS runtime every `npm run` script and binary runs on (npm puts
#    node_modules/.bin first on PATH), whatever older Node the machine came with
# Idempotent: a second run installs nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

# The machine's Node only runs npm; the runtime is the `node` package (Node 24 LTS) from package.json.
runtime_major=24
command -v npm >/dev/null || { echo "error: npm not found (install Debian's nodejs and npm)" >&2; exit 1; }

# package name -> a file it installs (checked instead of dpkg so a hand-installed binary also counts)
declare -A probe=(
  [etcd-server]=/usr/bin/etcd
  [redis-server]=/usr/bin/redis-server
  [docker.io]=/usr/sbin/dockerd
  [docker-registry]=/usr/bin/docker-registry
  [dnsutils]=/usr/bin/dig
  [dnsmasq]=/usr/sbin/dnsmasq
  [dnsperf]=/usr/bin/dnsperf
  [skopeo]=/usr/bin/skopeo
  [curl]=/usr/bin/curl
  [busybox-static]=/bin/busybox
  [iptables]=/usr/sbin/iptables
  [chromium]=/usr/bin/chromium
  [zsh]=/usr/bin/zsh
  [wrk]=/usr/bin/wrk
  [faketime]=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1
)
missing=()
for pkg in "${!probe[@]}"; do
  [ -e "${probe[$pkg]}" ] || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "error: missing system packages (${missing[*]}); run as root so apt-get can install them" >&2
    exit 1
  fi
  echo "installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # --no-install-recommends keeps the machine lean; the Debian services are not started by the
  # packages in a container without systemd, and Flotilla starts its own instances anyway.
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian starts redis/etcd/dnsmasq system services where systemd runs; Flotilla never uses them.
fi
# The docker CLI may come from docker.io (docker) — check it is there for image import/push.
command -v docker >/dev/null || { echo "error: docker CLI not found after install" >&2; exit 1; }

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error
fi
runtime=$(node_modules/.bin/node --version 2>/dev/null || echo none)
case "$runtime" in
  "v$runtime_major".*) ;;
  *) echo "error: node_modules/.bin/node is $runtime, expected Node $runtime_major (npm ci did not install the node package)" >&2; exit 1 ;;
esac
echo "install: ok (runtime node $runtime)"
