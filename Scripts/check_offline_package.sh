#!/usr/bin/env bash
# Checks the offline tarball as a secure environment would use it: a fresh Debian 12 root (debootstrap,
# minimal variant) with only the runtime libraries INSTALL.txt names, the tarball unpacked into /opt,
# then the example study run and verified inside the root with the network cut off (a new, empty network
# namespace: no interface but loopback). Needs root, debootstrap and network for the first step only.
#   Scripts/check_offline_package.sh dist/impacteval-<version>-linux-<arch>.tar.gz
set -euo pipefail
tarball="$(realpath "$1")"
name="$(basename "$tarball" .tar.gz)"
work="$(mktemp -d)"
root="$work/debian"
cleanup() { umount "$root/proc" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

debootstrap --variant=minbase --include=libopenblas0,liblapacke,libreadstat1,zlib1g,libssl3 bookworm "$root" http://deb.debian.org/debian >"$work/debootstrap.log"
echo "fresh root: $(chroot "$root" dpkg-query -W -f='${binary:Package}\n' | wc -l) packages, no Swift: $(chroot "$root" sh -c 'command -v swift || echo none')"
tar -C "$root/opt" -xzf "$tarball"
mount -t proc proc "$root/proc"

unshare --net chroot "$root" /bin/sh -eu -c "
  if getent hosts deb.debian.org >/dev/null 2>&1; then echo 'the network is reachable; the check needs it cut off'; exit 1; fi
  echo 'network: none (name lookup fails)'
  /opt/$name/bin/impact --version
  /opt/$name/bin/impact run /opt/$name/Examples/mhst_study.yaml --out /root/mhst_study --quiet
  /opt/$name/bin/impact verify /root/mhst_study
  test -s /root/mhst_study/report.html
"
echo "offline check passed: $name installs on a fresh Debian root and runs the example with no network"
