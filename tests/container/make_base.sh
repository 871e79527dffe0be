#!/usr/bin/env bash
# Makes a local base image for the container test, where the public image registry cannot be reached:
# Debian bookworm by debootstrap, plus CPython builds taken from this machine's pyenv (kept at their own
# paths: they link libpython by absolute rpath) and this machine's CA bundle (TLS passes a proxy whose
# authority is only there). Usage: make_base.sh IMAGE_TAG PYTHON_VERSION...   (e.g. 3.9 3.12)
set -euo pipefail
tag=$1; shift
work=$(mktemp -d /var/tmp/dc-base.XXXXXX)
trap 'rm -rf "$work"' EXIT
rootfs=$work/rootfs
debootstrap --variant=minbase \
  --include=ca-certificates,git,libssl3,libffi8,zlib1g,libsqlite3-0,libbz2-1.0,liblzma5,libreadline8,libncursesw6,libexpat1,libuuid1,libgdbm6 \
  bookworm "$rootfs" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 || { tail -20 "$work/debootstrap.log"; exit 1; }
pyenv_root=${PYENV_ROOT:-$HOME/.pyenv}
newest=""
for minor in "$@"; do
  src=$(ls -d "$pyenv_root/versions/$minor".* | sort -V | tail -1)
  dest=$rootfs/root/.pyenv/versions/$(basename "$src")
  mkdir -p "$dest"
  # The standard library without its tests and without this machine's installed packages.
  tar -C "$src" --exclude='lib/python*/site-packages/*' --exclude='lib/python*/test' \
      --exclude='lib/python*/idlelib' --exclude='__pycache__' -cf - . | tar -C "$dest" -xf -
  ln -sf "/root/.pyenv/versions/$(basename "$src")/bin/python$minor" "$rootfs/usr/local/bin/python$minor"
  newest=$minor
done
ln -sf "python$newest" "$rootfs/usr/local/bin/python3"
# deploycheck runs resolvers as an unprivileged user when it is root: the interpreters under /root must
# be reachable by that user (traverse only: nothing in /root becomes listable).
chmod o+x "$rootfs/root"
cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
tar -C "$rootfs" -cf - . | docker import \
  --change 'ENV PYENV_ROOT=/root/.pyenv' \
  --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
  --change 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
  --change 'ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt' \
  - "$tag" >/dev/null
echo "$tag"
