"""Several apps' resolver checks at once (`--jobs N`), each worker as a sandbox user of its own.

The resolvers are a run's cost, and in a monorepo each app's locks are independent of the others'. The checks
that run them (PER_APP) are given one group of apps at a time, as a Project of its own; groups are apps tied
by a lock that includes another's (-r/-c across folders), since a lock is compiled against what the lock it
includes should be. The reports are kept per group, in the groups' order: the output is the same whichever
worker finishes first.

Security: ending a resolver step kills every process of its sandbox user (deploycheck.resolve.reaper). Two
steps at once under one user would kill each other, so each worker thread runs as a fresh user of its own
(deploycheck.resolve.sandbox.workers), and without one (not root, or no fresh id) the run stays sequential.
An interruption or --timeout arrives in the main thread: it cancels every worker (no further step starts,
every process of each worker's user and every resolver process group is killed) and waits for them to unwind,
which removes their temporary copies, before it goes on.
"""

from __future__ import annotations

import os
import queue
import sysconfig
import threading
import time
from collections.abc import Callable
from dataclasses import fields
from types import ModuleType, TracebackType

from deploycheck.project.apps import App, Project
from deploycheck.project.records import Scanned
from deploycheck.report.model import Problem, Report
from deploycheck.resolve import resolver, sandbox
from deploycheck.settings import Settings

PER_APP = ("lock-drift", "uv-lock")  # the checks that run resolvers, by checks.name_of
MAX_JOBS = 8  # each worker is a resolver and its builds: more than this only adds memory and contention
CANCEL_WAIT = 30.0  # seconds the main thread keeps killing before it leaves workers that will not unwind

RunCheck = Callable[[ModuleType, object, Settings, Report], Report]


def default_jobs() -> int:
    """The CPUs this process may use, at most MAX_JOBS."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, MAX_JOBS))


def groups(project: Project) -> list[Project]:
    """The project split into groups of apps whose locks do not include each other's, each a Project of its
    own with only its apps and their locks, in the order of the project's locks (then of its apps)."""
    apps = project.apps
    owner: dict[int, int] = {id(pair): i for i, app in enumerate(apps) for pair in app.locks}
    by_path = {pair.path.resolve(): owner[id(pair)] for pair in project.locks if id(pair) in owner}
    parent = list(range(len(apps)))

    def top(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for pair in project.locks:
        if id(pair) not in owner:
            continue
        for need in pair.needs:
            other = by_path.get(need.resolve())
            if other is not None:
                parent[top(other)] = top(owner[id(pair)])
    order: list[int] = []
    for i in [owner[id(p)] for p in project.locks if id(p) in owner] + list(range(len(apps))):
        if top(i) not in order:
            order.append(top(i))
    members: dict[int, list[App]] = {t: [] for t in order}
    for i, app in enumerate(apps):
        members[top(i)].append(app)
    base = {f.name: getattr(project, f.name) for f in fields(Scanned)}
    out = []
    for t in order:
        mine = {id(pair) for app in members[t] for pair in app.locks}
        locks = [p for p in project.locks if id(p) in mine]
        # Each group's copy holds its own locks' files (and its apps' folders, where the uv-lock check works),
        # not the whole repository's once per group. A lock whose reads are unknown (no `needed`), or an app
        # with a uv.lock or pylock.toml (uv reads its project's path sources and settings), gets the whole copy.
        known = locks and all(p.needed for p in locks) and not any(a.other_locks for a in members[t])
        needed = set().union(*(p.needed for p in locks), (a.folder for a in members[t])) if known else None
        out.append(Project(**{**base, "locks": locks, "needed": needed or base["needed"]}, apps=members[t]))
    return out


class Fan:
    """The PER_APP checks over the groups, in worker threads, while the main thread runs the other checks.
    `outcomes` holds, per check, one report per group. Use as a context manager: leaving it waits for every
    worker; leaving it by an exception (an interruption, --timeout) cancels them first."""

    def __init__(
        self,
        runs: list[sandbox.SandboxRun],
        modules: list[ModuleType],
        parts: list[Project],
        settings: Settings,
        run_check: RunCheck,
        empty: Callable[[Settings], Report],
    ) -> None:
        self.runs, self.modules, self.parts, self.settings = runs, modules, parts, settings
        self.run_check, self.empty = run_check, empty
        self.outcomes: dict[int, list[Report]] = {id(m): [empty(settings) for _ in parts] for m in modules}
        self.todo: queue.SimpleQueue[int] = queue.SimpleQueue()
        for i in range(len(parts)):
            self.todo.put(i)
        self.threads = [threading.Thread(target=self._work, args=(run,), daemon=True) for run in runs]
        # sysconfig fills its variables lazily and not thread-safely: two workers finding uv at once saw
        # get_config_var("EXE") return None (found by bench/monorepo_bench.py). Filled here, before any worker.
        sysconfig.get_config_vars()
        resolver.uv_binary()

    def __enter__(self) -> Fan:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if kind is not None:
            self._cancel()
            return
        try:
            for thread in self.threads:
                while thread.is_alive():
                    thread.join(0.2)  # short waits: a signal's handler runs in between (interrupt, --timeout)
        except BaseException:
            self._cancel()
            raise

    def _work(self, run: sandbox.SandboxRun) -> None:
        with sandbox.working_as(run):
            while not run.cancelled:
                try:
                    i = self.todo.get_nowait()
                except queue.Empty:
                    return
                for module in self.modules:
                    try:
                        self.outcomes[id(module)][i] = self.run_check(
                            module, self.parts[i], self.settings, self.empty(self.settings)
                        )
                    except sandbox.Cancelled:
                        return
                    except BaseException as exc:  # run_check keeps a check's Exception; anything else is a bug
                        report = self.empty(self.settings)
                        where = ", ".join(a.display for a in self.parts[i].apps)
                        report.problems.append(
                            Problem(f"a worker stopped: {type(exc).__name__}: {exc}", where, None, "please report it")
                        )
                        self.outcomes[id(module)][i] = report

    def _cancel(self) -> None:
        """No further step starts; every process of the workers' users and every resolver group is killed,
        again until each worker has unwound (removing its copies), for at most CANCEL_WAIT seconds."""
        for run in self.runs:
            run.cancelled = True
        end = time.monotonic() + CANCEL_WAIT
        while any(t.is_alive() for t in self.threads) and time.monotonic() < end:
            resolver.kill_all()
            for run in self.runs:
                run.cancel()
            for thread in self.threads:
                thread.join(0.05)
