"""What each deploy platform reads: one table of facts per platform, and which platform an app deploys on.

Each table is dated and names its sources. The facts were checked through the search tool on the date in
`verified`; where the tool's copy of a page was older than what the platform has since announced (quoted in
issue #9), the newer fact is kept and the table's `note` says so. To update a platform, edit its table and
`verified`. What a platform does differently is a field here (which files it reads, what it refuses, where
its secrets go), never a comparison of its id elsewhere: runtime detection reads `runtime_files`,
`default_python`, `ignores` and the declaration rules, the checks read the rest.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass


@dataclass(frozen=True)
class RuntimeSource:
    file: str  # a reader name in runtime.READERS, or a description for what cannot be read from the repo
    formats: str  # what the platform accepts there
    readable: bool = True  # False: set outside the repository (a dashboard variable, a dialog)


@dataclass(frozen=True)
class Platform:
    id: str
    name: str
    verified: datetime.date
    docs: tuple[str, ...]
    default_python: str | None  # for new apps that declare nothing; None: the platform has no default
    offered: tuple[str, ...] | None  # minors it installs today; None: any (a Docker image tag)
    removed: tuple[tuple[str, str], ...]  # (minor, "YYYY-MM" it stopped being offered)
    runtime_sources: tuple[RuntimeSource, ...]  # in the platform's order of precedence
    dependency_files: tuple[str, ...]  # in the platform's order of precedence
    dependency_where: str
    ignores: tuple[str, ...] = ()  # declaration files present in many repos that this platform does not read
    conflicts: tuple[str, ...] = ()  # combinations the platform rejects, as rules a check can state
    root_only: tuple[str, ...] = ()  # files read at the repository root only
    first_file_wins: bool = False  # installs from the first of dependency_files present (others are ignored)
    known: bool = True  # False for the stand-in used when no platform could be told
    short_name: str = ""  # how a message names it where `name` is long ("App Engine")
    python_from_dialog: bool = False  # the Python is chosen in the deploy dialog: repository files are only hints
    builds_from_dockerfile: bool = False  # the Dockerfile names the files the build installs, whatever they are
    reads_packages_txt: bool = False  # installs the apt packages that packages.txt lists
    front_matter_config: bool = False  # configured by README.md's YAML front matter (sdk, app_file): a Space
    ignored_locks: tuple[str, ...] = ()  # locks it does not install from (it re-resolves pyproject.toml instead)
    # Declaration forms it rejects although others accept them.
    bare_python_version_file: bool = False  # .python-version must hold 3.N or 3.N.N, nothing else
    runtime_txt_prefix: bool = False  # runtime.txt must say python-3.N[.N]
    runtime_txt_deprecated: str = ""  # why runtime.txt is deprecated here, as a finding says it ("": it is not)
    # Combinations of files that fail its build.
    one_package_manager: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (manager, its files): two or more fail
    uv_needs_python_version: bool = False  # uv.lock needs .python-version; runtime.txt beside uv.lock fails
    refused_beside: tuple[str, tuple[str, ...]] | None = None  # (its config file, files that fail beside it)
    # Where its dependency files are read: the app's (entrypoint's) folder, then the repository root too.
    reads_root_too: bool = False
    locks_beside_pyproject: tuple[str, ...] = ()  # when pyproject.toml is first: the lock installed with it, if any
    without_dependency_file: str = ""  # what it does with Python code and no dependency file it reads
    secrets_store: str = "set them as environment variables in your platform's secret settings"
    # Distributions every app gets whatever its dependency files say (their dependencies too).
    preinstalled: tuple[str, ...] = ()
    main_file_from_dialog: bool = False  # the file it runs is chosen in the deploy dialog, not in a repository file
    note: str = ""

    @property
    def runtime_files(self) -> tuple[str, ...]:
        return tuple(s.file for s in self.runtime_sources if s.readable)

    @property
    def several_files(self) -> str:
        """What it does when several of its dependency files are present: "first" (takes the first of
        `dependency_files`, ignores the rest), "refuses" (fails the build), "" (the Dockerfile decides)."""
        if self.builds_from_dockerfile:
            return ""
        return "refuses" if self.one_package_manager else "first"

    @property
    def called(self) -> str:
        """Its name in a sentence."""
        return self.short_name or self.name

    def reads_exact_name(self, name: str) -> bool:
        """Whether the platform reads `name` (one of filenames.EXACT, which must be spelled exactly)."""
        if name == "packages.txt":
            return self.reads_packages_txt
        if name == "requirements.txt":
            return not self.builds_from_dockerfile
        if name == "Procfile":
            # Started from the deploy dialog's main file, the image's CMD, or a Space's app_file: no Procfile.
            return not (self.python_from_dialog or self.builds_from_dockerfile or self.front_matter_config)
        return True

    def offers(self, minor: str) -> bool:
        return self.offered is None or minor in self.offered


_PYTHON_VERSION_FORMATS = "3.N or 3.N.N"

STREAMLIT = Platform(
    id="streamlit-cloud",
    name="Streamlit Community Cloud",
    verified=datetime.date(2026, 11, 21),
    docs=(
        "https://docs.streamlit.io/deploy/streamlit-community-cloud/deploy-your-app/app-dependencies",
        "https://docs.streamlit.io/deploy/streamlit-community-cloud/manage-your-app/upgrade-python",
    ),
    default_python="3.12",
    offered=("3.10", "3.11", "3.12", "3.13", "3.14"),
    removed=(),
    runtime_sources=(RuntimeSource("the deploy dialog (Advanced settings)", "3.N", readable=False),),
    dependency_files=("uv.lock", "Pipfile", "environment.yml", "requirements.txt", "pyproject.toml"),
    first_file_wins=True,
    dependency_where="the first found in the entrypoint's folder, then at the repository root",
    ignores=("runtime.txt",),
    root_only=("packages.txt", ".streamlit/config.toml"),
    python_from_dialog=True,
    # "If you deploy an app without a requirements.txt file, your app will run in an environment with just
    # streamlit (and its dependencies) installed" (docs.streamlit.io/deploy/concepts/dependencies, read 2026-12-04).
    preinstalled=("streamlit",),
    main_file_from_dialog=True,
    reads_packages_txt=True,
    secrets_store="paste them into the app's Settings > Secrets on share.streamlit.io (same TOML format)",
    reads_root_too=True,
    without_dependency_file="it runs the app with only streamlit and streamlit's own dependencies installed",
    note=(
        "The search tool held only streamlit/docs pull requests (#1209, #1213) for these pages, not the pages "
        "themselves: the dependency order, the 3.12 default, and 'changing Python means deleting and "
        "redeploying' are kept from issue #9. `offered` is the dialog's list as last seen, unverified. The dialog "
        "alone decides the Python: runtime.txt is a known trap; deploycheck reads .python-version and the "
        "like only as a hint of what the dialog was set to."
    ),
)

HEROKU = Platform(
    id="heroku",
    name="Heroku",
    verified=datetime.date(2026, 11, 21),
    docs=(
        "https://devcenter.heroku.com/articles/python-support",
        "https://devcenter.heroku.com/articles/python-runtimes",
        "https://github.com/heroku/heroku-buildpack-python",
    ),
    default_python="3.14",
    offered=("3.10", "3.11", "3.12", "3.13", "3.14"),
    removed=(("3.9", "2026-01"),),
    runtime_sources=(
        RuntimeSource("runtime.txt", "python-3.N or python-3.N.N (deprecated since 2025; not with uv)"),
        RuntimeSource(".python-version", "3.N or 3.N.N only"),
        RuntimeSource("Pipfile.lock", "_meta.requires.python_full_version, then python_version"),
    ),
    dependency_files=("requirements.txt", "Pipfile.lock", "poetry.lock", "uv.lock"),
    dependency_where="the repository root (or the app's root with a monorepo buildpack)",
    conflicts=(
        "more than one of requirements.txt, Pipfile/Pipfile.lock, poetry.lock, uv.lock fails the build (since 2025-12)",
        "uv.lock needs .python-version; runtime.txt together with uv.lock is an error",
    ),
    bare_python_version_file=True,
    runtime_txt_prefix=True,
    runtime_txt_deprecated="Heroku deprecated runtime.txt in 2025 (builds print a warning, and apps using uv fail "
    "with it); .python-version is its replacement",
    # heroku-buildpack-python's package managers, each with the files that select it (checked 2026-11-21).
    one_package_manager=(
        ("pip", ("requirements.txt",)),
        ("Pipenv", ("Pipfile.lock", "Pipfile")),
        ("Poetry", ("poetry.lock",)),
        ("uv", ("uv.lock",)),
    ),
    uv_needs_python_version=True,
    secrets_store="set them with `heroku config:set NAME=...` (Settings > Config Vars)",
    without_dependency_file="its Python buildpack does not detect the app without requirements.txt, Pipfile.lock, "
    "poetry.lock or uv.lock at the root: the build fails",
    note=(
        "The search tool's Dev Center copies (2025-01/05) say default 3.13 and 3.9 'deprecated'; the buildpack "
        "README and changelog 3141 confirm runtime.txt > .python-version > Pipfile.lock and runtime.txt's "
        "deprecation; PR #1791 confirms uv needs .python-version and rejects runtime.txt; issue #1691 and "
        "real build logs (2026-01) show the multiple-package-manager error. The 3.14 default and 3.9's "
        "removal in 2026-01 are kept from issue #9."
    ),
)

RENDER = Platform(
    id="render",
    name="Render",
    verified=datetime.date(2026, 11, 21),
    docs=("https://render.com/docs/python-version",),
    default_python="3.14",
    offered=("3.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14"),
    removed=(),
    runtime_sources=(
        RuntimeSource("render.yaml", "PYTHON_VERSION: a fully qualified 3.N.N (envVars of the service)"),
        RuntimeSource("the PYTHON_VERSION variable set in the dashboard", "3.N.N", readable=False),
        RuntimeSource(".python-version", "3.N or 3.N.N, at the repository root"),
    ),
    dependency_files=("uv.lock", "poetry.lock", "requirements.txt"),
    first_file_wins=True,
    dependency_where="the service's root directory; uv is used when uv.lock exists",
    secrets_store="set them in the service's Environment settings (or `sync: false` envVars in render.yaml)",
    without_dependency_file="the build command has no dependency file to install from",
    note="Verified on the docs page (default 3.14.3 for services created from 2026-02-11; minimum 3.7.3).",
)

RAILWAY = Platform(
    id="railway",
    name="Railway (Railpack)",
    verified=datetime.date(2026, 11, 21),
    docs=("https://railpack.com/languages/python",),
    default_python="3.13",
    offered=("3.10", "3.11", "3.12", "3.13", "3.14"),
    removed=(),
    runtime_sources=(
        RuntimeSource("the RAILPACK_PYTHON_VERSION variable", "3.N or 3.N.N", readable=False),
        RuntimeSource(".python-version", _PYTHON_VERSION_FORMATS),
        RuntimeSource(".tool-versions", "python 3.N[.N]"),
        RuntimeSource("mise.toml", "[tools] python = '3.N'"),
        RuntimeSource("runtime.txt", "python-3.N[.N]"),
        RuntimeSource("Pipfile", "[requires] python_version"),
    ),
    dependency_files=("requirements.txt", "pyproject.toml", "uv.lock", "poetry.lock", "Pipfile"),
    first_file_wins=True,
    dependency_where="the service's root directory; requirements.txt wins over uv.lock",
    secrets_store="set them in the service's Variables tab",
    without_dependency_file="Railpack needs requirements.txt, pyproject.toml or Pipfile at the service's root "
    "(or a root directory set to the app's folder): without one it installs none of the app's packages",
    note="Verified on railpack.com (default 3.13.2; 'supports Python 3.10 and later').",
)

APP_ENGINE = Platform(
    id="app-engine",
    name="Google App Engine (standard)",
    verified=datetime.date(2026, 11, 21),
    docs=(
        "https://cloud.google.com/appengine/docs/standard/python3/runtime",
        "https://cloud.google.com/appengine/docs/standard/lifecycle/support-schedule",
    ),
    default_python=None,  # app.yaml must name the runtime
    offered=("3.10", "3.11", "3.12", "3.13", "3.14"),
    removed=(("3.9", "2025-10"),),
    runtime_sources=(RuntimeSource("app.yaml", "runtime: python3NN (python310 .. python314)"),),
    dependency_files=("requirements.txt",),
    dependency_where="next to app.yaml",
    conflicts=("a Pipfile or Pipfile.lock next to app.yaml makes the deploy fail",),
    short_name="App Engine",
    refused_beside=("app.yaml", ("Pipfile", "Pipfile.lock")),
    secrets_store="keep them in Secret Manager and read them at start-up",
    without_dependency_file="it installs requirements.txt from beside app.yaml: without one, none of the app's "
    "packages",
    note=(
        "'The latest supported Python version is 3.14' per the runtime page; new python39 deployments are "
        "rejected since 3.9's end of life (GoogleCloudPlatform/python-docs-samples#13612, 2025-10)."
    ),
)

FLY = Platform(
    id="fly",
    name="Fly.io",
    verified=datetime.date(2026, 11, 21),
    docs=("https://fly.io/docs/languages-and-frameworks/python/", "https://fly.io/docs/launch/create/"),
    default_python=None,
    offered=None,
    removed=(),
    runtime_sources=(
        RuntimeSource("Dockerfile", "FROM python:3.N[.N][-variant]"),
        RuntimeSource("Containerfile", "FROM python:3.N[.N][-variant]"),
    ),
    dependency_files=("whatever the Dockerfile installs",),
    dependency_where="the Dockerfile's build context",
    builds_from_dockerfile=True,
    secrets_store="set them with `fly secrets set NAME=...`",
    note="`fly launch` writes FROM from the developer's local Python. Image facts: see IMAGE_VARIANTS.",
)

DOCKER = Platform(
    id="docker",
    name="a Docker image",
    verified=datetime.date(2026, 11, 21),
    docs=("https://hub.docker.com/_/python",),
    default_python=None,
    offered=None,
    removed=(),
    runtime_sources=FLY.runtime_sources,
    dependency_files=FLY.dependency_files,
    dependency_where=FLY.dependency_where,
    builds_from_dockerfile=True,
    secrets_store="pass them at run time (`docker run --env-file`, or the host's secret store), never in the image",
)

GENERIC = Platform(
    id="generic",
    name="an unknown platform",
    verified=datetime.date(2026, 11, 21),
    docs=(),
    default_python=None,
    offered=None,
    removed=(),
    runtime_sources=(),
    dependency_files=("requirements.txt",),
    dependency_where="the app's folder",
    without_dependency_file="no file tells the deploy which packages to install",
    known=False,
)

HF_SPACES = Platform(
    id="hf-spaces",
    name="Hugging Face Spaces",
    verified=datetime.date(2026, 12, 4),
    docs=(
        "https://huggingface.co/docs/hub/spaces-config-reference",
        "https://huggingface.co/docs/hub/spaces-dependencies",
        "https://huggingface.co/docs/hub/spaces-sdks-streamlit",
    ),
    default_python="3.10",
    offered=None,  # "any valid Python 3.x or 3.x.x version"
    removed=(),
    runtime_sources=(RuntimeSource("README.md", "python_version: 3.N or 3.N.N in the YAML front matter"),),
    dependency_files=("requirements.txt",),
    first_file_wins=True,
    dependency_where="requirements.txt (and pre-requirements.txt, packages.txt) at the Space's root",
    ignores=(".python-version", "runtime.txt"),
    root_only=("README.md", "requirements.txt", "packages.txt"),
    short_name="Spaces",
    reads_packages_txt=True,
    front_matter_config=True,
    secrets_store="set them in the Space's Settings > Variables and secrets",
    without_dependency_file="Spaces installs requirements.txt at the root only: without it, only the packages "
    "the SDK preinstalls",
    note=(
        "hub-docs at 242f4a1 (2026-08-22), checked through the search tool on 2026-12-04: python_version "
        "defaults to 3.10 (3.8.9 before 2023-07-10); sdk is gradio, docker or static (streamlit was removed "
        "from the reference on 2025-07-14, existing streamlit Spaces still run); app_file is the main file; "
        "only requirements.txt is read, no Pipfile, uv.lock, pyproject or environment.yml. A Docker Space "
        "(sdk: docker) builds its Dockerfile: it is detected as the docker platform."
    ),
)

VERCEL = Platform(
    id="vercel",
    name="Vercel (Python runtime)",
    verified=datetime.date(2026, 12, 4),
    docs=(
        "https://vercel.com/docs/functions/runtimes/python",
        "https://github.com/vercel/vercel/tree/main/packages/python",
    ),
    default_python="3.12",
    offered=("3.12", "3.13", "3.14"),
    removed=(),
    runtime_sources=(
        RuntimeSource(".python-version", _PYTHON_VERSION_FORMATS),
        RuntimeSource("pyproject.toml requires-python (major.minor)", ">=3.N", readable=False),
        RuntimeSource("Pipfile.lock", "_meta.requires.python_version"),
    ),
    dependency_files=(
        "pyproject.toml",
        "Pipfile.lock",
        "Pipfile",
        "requirements.frozen.txt",
        "requirements-frozen.txt",
        "requirements.txt",
        "requirements.in",
    ),
    first_file_wins=True,
    dependency_where="the first found from the entrypoint's folder up to the project root; uv.lock or "
    "pylock.toml beside pyproject.toml is installed with `uv sync --frozen` (a stale lock is not refused)",
    ignores=("runtime.txt",),
    ignored_locks=("poetry.lock", "pdm.lock"),
    short_name="Vercel",
    secrets_store="set them in the project's Settings > Environment Variables (`vercel env add`)",
    locks_beside_pyproject=("uv.lock", "pylock.toml"),
    without_dependency_file="it finds no manifest (pyproject.toml, Pipfile.lock, Pipfile or requirements.txt) to "
    "install",
    note=(
        "Docs page 'Using the Python Runtime with Vercel Functions' (last updated 2026-01-30, checked through the "
        "search tool on 2026-12-04): 3.12 (default), 3.13, 3.14; versions from pyproject.toml, .python-version or "
        "Pipfile.lock. @vercel/python 6.54.1 source (2026-08-03): manifest order as dependency_files, poetry.lock "
        "and pdm.lock ignored, a version below the default is raised to it."
    ),
)

PLATFORMS: dict[str, Platform] = {
    p.id: p for p in (STREAMLIT, HEROKU, RENDER, RAILWAY, APP_ENGINE, FLY, DOCKER, GENERIC, HF_SPACES, VERCEL)
}
CHOICES = ("auto", *PLATFORMS)


@dataclass(frozen=True)
class ImageVariant:
    compiler: bool  # gcc and headers present: sdists with C extensions build
    musl: bool  # musl libc: manylinux wheels do not install, musllinux ones do


# Official python image variants (hub.docker.com/_/python): `slim` drops gcc and headers; alpine is musl.
IMAGE_VARIANTS = {
    "full": ImageVariant(compiler=True, musl=False),  # python:3.12, -bookworm, -trixie
    "slim": ImageVariant(compiler=False, musl=False),
    "alpine": ImageVariant(compiler=False, musl=True),
    "windowsservercore": ImageVariant(compiler=False, musl=False),
}


def image_variant(tag: str) -> ImageVariant:
    """Facts for an official python image tag such as `3.12-slim-bookworm` or `3.11-alpine3.20`."""
    lowered = tag.lower()
    for name in ("alpine", "slim", "windowsservercore"):
        if name in lowered:
            return IMAGE_VARIANTS[name]
    return IMAGE_VARIANTS["full"]


def no_longer_offered(minor: str) -> list[tuple[Platform, str | None]]:
    """Platforms that do not install `minor` for new deploys, with when they stopped (None: not recorded)."""
    out: list[tuple[Platform, str | None]] = []
    for platform in PLATFORMS.values():
        if platform.offers(minor):
            continue
        out.append((platform, dict(platform.removed).get(minor)))
    return out


def get(platform_id: str) -> Platform:
    return PLATFORMS[platform_id]
