# deploycheck's Docker action image: several CPythons, so the recompile runs in the deploy's version,
# and the pinned toolchain (pip-tools and pip per interpreter, uv) made at build time.
#
# The base is pinned by digest. BASE_IMAGE can name another base (the container test builds FROM one
# made locally); PYTHONS lists the CPython minors the image carries: those the base lacks are
# installed with uv.
ARG BASE_IMAGE=python:3.12-slim-bookworm@sha256:782412e85d0f0984994c290652577d4018aff08145c85b262bb63dc0c7522254
FROM ${BASE_IMAGE}
ARG PYTHONS="3.9 3.10 3.11 3.12 3.13 3.14 3.15"

ENV DEPLOYCHECK_CACHE_DIR=/opt/deploycheck/cache \
    UV_PYTHON_INSTALL_DIR=/opt/python \
    UV_PYTHON_BIN_DIR=/usr/local/bin \
    UV_PYTHON_DOWNLOADS=manual \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

# git: the runner mounts the workspace with another owner; deploycheck marks it safe.directory at run time.
RUN command -v git >/dev/null || { apt-get update && apt-get install -y --no-install-recommends git \
    && rm -rf /var/lib/apt/lists/*; }

# deploycheck (root here) runs resolvers, and the package code they build, as a user and group id of the
# run's own, drawn from 2,000,000,000 up (no account needed): it cannot read PID 1's environment or memory,
# nor write the venv and toolchains below, and every process of it is killed when a resolver step ends.
# This account is the fallback for a user namespace that maps no such id (Docker with userns-remap).
# A fixed, high uid and gid: a system-range gid could equal the host's docker group on the mounted socket.
RUN /usr/sbin/groupadd --gid 64123 deploycheck \
    && /usr/sbin/useradd --uid 64123 --gid 64123 --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin deploycheck

# deploycheck's own dependencies, from the lock compiled by pip-compile (the action checks it in its CI).
# What only installing needs goes in the same layer (a later layer cannot shrink an earlier one): pip and
# setuptools, and pip-tools with its own dependencies (build, click, pyproject-hooks, wheel). deploycheck
# runs pip-compile from the toolchain venvs made below (toolchain.txt), never from its own venv, and
# installs with uv. Byte code stays: it is what makes `deploycheck` start without compiling its imports.
# uv is no dependency of deploycheck: the uv it runs is pinned by hash in uv-toolchain.txt, installed here beside
# deploycheck, where resolve/uvtool.py finds it (it would otherwise install that uv into its cache on first use).
COPY requirements.txt /opt/deploycheck/src/requirements.txt
COPY deploycheck/resolve/uv-toolchain.txt /opt/deploycheck/src/uv-toolchain.txt
RUN python3 -m venv /opt/deploycheck/venv \
    && /opt/deploycheck/venv/bin/pip install -q -r /opt/deploycheck/src/requirements.txt \
    && /opt/deploycheck/venv/bin/pip install -q --require-hashes --no-deps --only-binary=:all: \
       -r /opt/deploycheck/src/uv-toolchain.txt \
    && /opt/deploycheck/venv/bin/pip uninstall -q -y pip-tools build click pyproject-hooks wheel setuptools pip \
    && rm -rf /root/.cache

# CPythons the base lacks, without what no resolver runs: the test suite, IDLE and turtle demos.
RUN for v in $PYTHONS; do command -v "python$v" >/dev/null || /opt/deploycheck/venv/bin/uv python install "$v"; done \
    && rm -rf /opt/python/*/lib/python3*/test /opt/python/*/lib/python3*/idlelib \
       /opt/python/*/lib/python3*/turtledemo /root/.cache

COPY pyproject.toml README.md entrypoint.py /opt/deploycheck/src/
COPY deploycheck /opt/deploycheck/src/deploycheck
COPY checks /opt/deploycheck/src/checks
# deploycheck/report/codes.md links to it: the rule documentation the package installs (pyproject's package-data).
COPY docs/codes.md /opt/deploycheck/src/docs/codes.md
# uv keeps its cache under /root/.cache: removed in the layer that fills it.
RUN /opt/deploycheck/venv/bin/uv pip install -q --no-deps --compile-bytecode --python /opt/deploycheck/venv/bin/python \
       /opt/deploycheck/src \
    && /opt/deploycheck/venv/bin/python -m deploycheck.resolve.warm $PYTHONS \
    && rm -rf /root/.cache

ENTRYPOINT ["/opt/deploycheck/venv/bin/deploycheck", "--action"]
