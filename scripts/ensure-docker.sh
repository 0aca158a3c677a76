#!/usr/bin/env bash
# ensure-docker.sh: makes a Docker engine answer here (apt docker.io + mmdebstrap, dockerd in the background); idempotent.
# Usage: scripts/ensure-docker.sh [--no-start | --restart]   (exit 0 when `docker info` answers, 1 with the reason otherwise)
#   --restart: stops the dockerd this script started (recorded in $MARKER, or the one writing to $LOG) and starts
#              it again: the way out of a deadlocked engine (moby/moby#46661). Never touches anyone else's dockerd.
set -uo pipefail

# (the three paths can be moved for the script's own test: OLAB_DOCKERD_LOG, OLAB_DOCKERD_MARKER, OLAB_DOCKER_PIDFILE)
LOG=${OLAB_DOCKERD_LOG:-/var/log/oneip-dockerd.log}
MARKER=${OLAB_DOCKERD_MARKER:-/run/oneip-lab-dockerd.pid}
PIDFILE=${OLAB_DOCKER_PIDFILE:-/var/run/docker.pid}
WAIT_S=${OLAB_DOCKERD_WAIT_S:-60}
# A dockerd started here serves labs only, so it leaves the host's firewall and sysctls alone: no iptables rules,
# no br_netfilter (bridged lab traffic never meets the host's conntrack, and nothing of the host is tracked
# because of Docker), no host ip_forward. Labs need none of it: they never leave their networks.
DOCKERD_ARGS=${OLAB_DOCKERD_ARGS:---iptables=false --ip6tables=false --ip-forward=false --ip-masq=false}
say() { printf 'ensure-docker: %s\n' "$*" >&2; }

engine_answers() { timeout 10 docker info >/dev/null 2>&1; }
# whether a process still runs (a zombie has ended: it only waits for its parent to reap it)
running() { [ -d "/proc/$1" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }

# the pid of a dockerd this script started: the marker's, or (started before markers) the one whose stdout is $LOG
our_dockerd() {
  local pid
  for pid in "$(cat "$MARKER" 2>/dev/null)" "$(cat "$PIDFILE" 2>/dev/null)"; do
    [ -n "$pid" ] && running "$pid" || continue
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ] || continue
    [ "$(readlink "/proc/$pid/fd/1" 2>/dev/null)" = "$LOG" ] || continue
    echo "$pid"; return 0
  done
  return 1
}

if [ "${1:-}" = "--restart" ]; then
  [ "$(id -u)" -eq 0 ] || { say "--restart needs root"; exit 1; }
  if ! pid=$(our_dockerd); then
    other=$(cat "$PIDFILE" 2>/dev/null || true)
    say "no dockerd started by the lab runs${other:+ (pid $other in $PIDFILE belongs to another dockerd)}; not restarting it: restart it yourself (systemctl restart docker)"
    exit 1
  fi
  say "stopping the lab's dockerd (pid $pid)"
  kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 1 30); do running "$pid" || break; sleep 1; done
  if running "$pid"; then
    say "dockerd (pid $pid) still runs after 30 s of SIGTERM: SIGKILL"
    kill -KILL "$pid" 2>/dev/null
    for _ in $(seq 1 10); do running "$pid" || break; sleep 1; done
  fi
  running "$pid" && { say "dockerd (pid $pid) did not end"; exit 1; }
  rm -f "$MARKER"
fi

# 1. an engine that already answers (a running dockerd, or DOCKER_HOST pointing elsewhere) is all we need,
#    apart from mmdebstrap, which the offline image build uses
need=()
command -v docker >/dev/null 2>&1 || need+=(docker.io)
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
command -v mmdebstrap >/dev/null 2>&1 || need+=(mmdebstrap)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    say "missing ${need[*]}: run as root, or apt-get install ${need[*]}"
    engine_answers && exit 0
    exit 1
  fi
  # docker.io once, even if both docker and dockerd were missing
  mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)
  say "installing ${need[*]} with apt-get"
  # no service may start while it installs: the dockerd of the lab is started below, with its own flags
  if ! bash "$(dirname "$0")/apt-install.sh" "${need[@]}"; then
    say "apt-get install ${need[*]} failed (log in /tmp/oneip-lab-apt.log)"
    engine_answers && exit 0
    exit 1
  fi
fi

if engine_answers; then
  exit 0
fi
[ "${1:-}" = "--no-start" ] && { say "no engine answers (not starting one: --no-start)"; exit 1; }
if [ -n "${DOCKER_HOST:-}" ] && [[ "${DOCKER_HOST}" != unix://* ]]; then
  say "DOCKER_HOST=${DOCKER_HOST} does not answer; not starting a local dockerd for a remote engine"
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  say "no engine answers and starting dockerd needs root"
  exit 1
fi

# 2. a dockerd of ours may still be starting: wait for it rather than start a second one
if ! pgrep -x dockerd >/dev/null 2>&1; then
  # containerd comes with docker.io; dockerd starts its own when none runs
  say "starting dockerd $DOCKERD_ARGS in the background (log: $LOG)"
  # shellcheck disable=SC2086
  # in a subshell that closes every inherited descriptor above 2 first: a lock held by whoever ran this script
  # (flock ... scripts/ensure-docker.sh) must not live on in dockerd
  (
    for fd in /proc/self/fd/*; do
      fd=${fd##*/}
      [ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-" 2>/dev/null
    done
    exec nohup dockerd $DOCKERD_ARGS >>"$LOG" 2>&1 </dev/null
  ) &
  echo $! >"$MARKER"
  disown || true
else
  say "a dockerd process exists but does not answer yet; waiting for it"
fi

deadline=$((SECONDS + WAIT_S))
until engine_answers; do
  if [ $SECONDS -ge $deadline ]; then
    say "dockerd did not answer within ${WAIT_S} s; last lines of $LOG:"
    tail -n 20 "$LOG" >&2 2>/dev/null || true
    exit 1
  fi
  sleep 1
done
say "engine answers: $(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})' 2>/dev/null)"
exit 0
