#!/usr/bin/env bash
# Make sure a Docker engine answers: reuse a running one, otherwise install
# Debian's docker.io (as root) and start dockerd, then wait until it is ready.
set -euo pipefail

log() { printf 'ensure-docker: %s\n' "$*" >&2; }

if docker info >/dev/null 2>&1; then
    log "engine already running"
    exit 0
fi

if [ -n "${DOCKER_HOST:-}" ]; then
    log "DOCKER_HOST=$DOCKER_HOST is set but the engine does not answer"
    exit 1
fi

if [ "$(id -u)" -ne 0 ]; then
    log "no engine answers and installing one needs root; start Docker and retry"
    exit 1
fi

if ! command -v dockerd >/dev/null 2>&1; then
    log "installing docker.io from Debian"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends \
        docker.io iptables ca-certificates >/dev/null
fi
if ! command -v debootstrap >/dev/null 2>&1; then
    # Needed only when the base image cannot be pulled; cheap to have.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi

if ! pgrep -x dockerd >/dev/null 2>&1; then
    log "starting dockerd"
    # setsid: the daemon must outlive this script and the make that ran it.
    setsid nohup dockerd >/var/log/scc-dockerd.log 2>&1 </dev/null &
fi

for _ in $(seq 1 60); do
    if docker info >/dev/null 2>&1; then
        log "engine ready: $(docker version --format '{{.Server.Version}}')"
        exit 0
    fi
    sleep 1
done
log "dockerd did not become ready; see /var/log/scc-dockerd.log"
exit 1
