#!/usr/bin/env bash
# Points action.yml at a released image by tag and digest: `image: Dockerfile` becomes
# `image: docker://ghcr.io/deploycheck/deploycheck:vX.Y.Z@sha256:…`, so a user's run pulls exactly the image that
# was built and tested for that release (the digest wins; the tag says which release it is).
# Usage: pin-image.sh IMAGE:TAG@sha256:DIGEST [action.yml]
set -euo pipefail
ref=${1:?usage: pin-image.sh IMAGE:TAG@sha256:DIGEST [action.yml]}
file=${2:-action.yml}
if ! [[ $ref =~ ^[a-z0-9./_-]+:v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?@sha256:[0-9a-f]{64}$ ]]; then
  echo "pin-image.sh: not IMAGE:vX.Y.Z@sha256:DIGEST: $ref" >&2
  exit 2
fi
if [ "$(grep -c '^  image: Dockerfile$' "$file")" != 1 ]; then
  echo "pin-image.sh: $file has no single '  image: Dockerfile' line to replace" >&2
  exit 2
fi
sed -i "s|^  image: Dockerfile\$|  image: docker://${ref}|" "$file"
