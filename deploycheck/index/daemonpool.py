"""A thread pool whose threads never hold up the process's exit.

concurrent.futures.ThreadPoolExecutor joins its workers when the interpreter exits, and they first run
every task still queued: when --timeout (or a signal) ends a run while the index checks are reading a
slow index, the process would wait for all of those requests. Here the workers are daemon threads, so
the process ends when the main thread is done, whatever they are doing; within a run the pool behaves
as ThreadPoolExecutor does (futures, map, shutdown, `with`).
"""

from __future__ import annotations

import concurrent.futures
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
_Task = tuple["concurrent.futures.Future[Any]", Callable[..., Any], tuple[Any, ...], dict[str, Any]]


class DaemonPool(concurrent.futures.Executor):
    def __init__(self, max_workers: int, thread_name_prefix: str = "pool") -> None:
        self._max = max(1, max_workers)
        self._prefix = thread_name_prefix
        self._queue: queue.SimpleQueue[_Task | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._idle = threading.Semaphore(0)
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> concurrent.futures.Future[T]:
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("cannot schedule new futures after shutdown")
            self._queue.put((future, fn, args, kwargs))
            # A new thread only when none is idle, up to the maximum (as ThreadPoolExecutor does).
            if not self._idle.acquire(timeout=0) and len(self._threads) < self._max:
                thread = threading.Thread(target=self._work, name=f"{self._prefix}_{len(self._threads)}", daemon=True)
                thread.start()
                self._threads.append(thread)
        return future

    def _work(self) -> None:
        while True:
            task = self._queue.get()
            if task is None:
                self._queue.put(None)  # passes the stop on to the next worker
                return
            future, fn, args, kwargs = task
            del task
            if future.set_running_or_notify_cancel():
                try:
                    result = fn(*args, **kwargs)
                except BaseException as exc:  # the future's, as in ThreadPoolExecutor
                    future.set_exception(exc)
                else:
                    future.set_result(result)
            del future, fn, args, kwargs
            self._idle.release()

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            self._closed = True
            if cancel_futures:
                while True:
                    try:
                        task = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if task is not None:
                        task[0].cancel()
            self._queue.put(None)
            threads = list(self._threads)
        if wait:
            for thread in threads:
                thread.join()
