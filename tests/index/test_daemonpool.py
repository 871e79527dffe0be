"""The index checks' thread pool: a ThreadPoolExecutor's behaviour within a run, and no wait at exit."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest
from conftest import ROOT

from deploycheck.index.daemonpool import DaemonPool


def test_results_errors_and_at_most_max_workers_at_once():
    release = threading.Event()
    lock = threading.Lock()
    running = [0, 0]  # now, peak

    def job(n: int) -> int:
        with lock:
            running[0] += 1
            running[1] = max(running[1], running[0])
        release.wait(60)
        with lock:
            running[0] -= 1
        if n == 3:
            raise ValueError("three")
        return n * n

    with DaemonPool(2, thread_name_prefix="t") as pool:
        futures = [pool.submit(job, n) for n in range(6)]
        release.set()
        assert [f.result(60) for f in futures if f is not futures[3]] == [0, 1, 4, 16, 25]
        with pytest.raises(ValueError, match="three"):
            futures[3].result(60)
        assert list(pool.map(lambda n: n + 1, range(4))) == [1, 2, 3, 4]
    assert running[1] == 2
    with pytest.raises(RuntimeError):
        pool.submit(job, 0)


def test_shutdown_cancels_what_has_not_started():
    started, release = threading.Event(), threading.Event()

    def block() -> str:
        started.set()
        release.wait(60)
        return "done"

    pool = DaemonPool(1)
    first, queued = pool.submit(block), pool.submit(block)
    assert started.wait(60)
    pool.shutdown(wait=False, cancel_futures=True)
    release.set()
    assert queued.cancelled() and first.result(60) == "done"


def test_a_blocked_worker_does_not_hold_up_the_exit():
    """A ThreadPoolExecutor's worker blocked in a read keeps the interpreter from exiting; these do not."""
    code = (
        "import threading, sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from deploycheck.index.daemonpool import DaemonPool\n"
        "pool = DaemonPool(2)\n"
        "for _ in range(4): pool.submit(threading.Event().wait)\n"
        "print('main done', flush=True)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, "main done\n", "")
