#!/usr/bin/env bash
# apt-install.sh: installs Debian packages without letting them start services (nginx, sshd, dockerd stay stopped); lab processes are started by the lab.
# Usage: scripts/apt-install.sh PACKAGE...   (root; log in /tmp/oneip-lab-apt.log; exit status of apt-get)
set -uo pipefail
[ $# -gt 0 ] || exit 0
policy=/usr/sbin/policy-rc.d
created=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\n# oneip-lab: no service starts while packages install\nexit 101\n' > "$policy"
  chmod 755 "$policy"
  created=1
fi
export DEBIAN_FRONTEND=noninteractive
{ apt-get update -qq && apt-get install -y -qq --no-install-recommends "$@"; } >>/tmp/oneip-lab-apt.log 2>&1
rc=$?
[ "$created" -eq 1 ] && rm -f "$policy"
exit "$rc"
