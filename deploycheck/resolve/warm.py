"""Image build step: make the pinned uv, the pip-tools toolchain of every interpreter and the uv cache each run
starts from (deploycheck.resolve.uvseed) now, not on the first run.

python -m deploycheck.resolve.warm 3.9 3.10 3.11 3.12 3.13
"""

from __future__ import annotations

import sys

from deploycheck import pins
from deploycheck.resolve import interpreters, resolver, toolchain


def main(versions: list[str]) -> int:
    # The uv beside deploycheck when it is the pinned one (the image installs it so), else installed into the cache.
    print(f"uv {pins.uv_version()}: {resolver.uv_binary()}")
    for version in versions:
        interp = interpreters.find(version)
        if interp is None:
            print(f"no CPython {version}: {interpreters.how_to_install(version)}", file=sys.stderr)
            return 1
        print(f"Python {interp.version} ({interp.path}): {toolchain.toolchain(interp)}")
        print(f"  uv's cache to start from: {resolver.seed_template(interp.path)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
