"""Executors: where batches of replications run. One interface, three places.

``serial``
    In this process, in order.
``processes``
    Local worker processes: :class:`concurrent.futures.ProcessPoolExecutor` with the ``spawn``
    context (a worker that dies breaks the pool with an error instead of hanging, and no
    fork-inherited state).
``dask``
    A :class:`distributed.Client` on a new loopback ``LocalCluster`` (one thread per worker
    process) or on an existing scheduler given by address. Dask re-runs the batches of a lost
    worker elsewhere; a batch is a pure function of its inputs, so the result is the same.

Each is a context manager whose :meth:`Executor.map` yields :class:`TaskResult` in completion
order, with a bounded number of batches in flight (so memory does not grow with the number of
batches), pulling batches lazily from the iterable it is given. Callers store results by
replication index, never by arrival. Leaving the context because of an exception (a signal, a
full disk) stops the workers at once instead of waiting for their batches.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from types import TracebackType
from typing import Any

from sim.errors import CapexsimError
from sim.runner.signals import blocked_while_spawning, check, quiet_worker
from sim.runner.task import TaskResult, TaskSpec, run_task

__all__ = ["EXECUTORS", "DaskExecutor", "Executor", "ProcessExecutor", "SerialExecutor",
           "make_executor"]

EXECUTORS = ("serial", "processes", "dask")

Batch = tuple[int, int]
Task = Callable[[Any, int, int], Any]
"""A batch function ``task(spec, start, stop)``: module-level (picklable), pure."""


class Executor:
    """Runs batches ``(start, stop)`` of a :class:`TaskSpec`; use as a context manager."""

    name = "executor"
    workers = 1

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close(abort=kind is not None)

    def close(self, *, abort: bool = False) -> None:
        """Release workers (idempotent); with ``abort``, stop them without waiting."""

    def map(self, spec: Any, batches: Iterable[Batch],
            task: Task = run_task) -> Iterator[Any]:
        """Run every batch ``task(spec, start, stop)`` (by default a run's :func:`run_task` on a
        :class:`TaskSpec`; any module-level pure function whose result has ``.start``); yield
        each result when it is done (any order)."""
        raise NotImplementedError


class SerialExecutor(Executor):
    """Every batch in this process, in order."""

    name = "serial"

    def map(self, spec: Any, batches: Iterable[Batch],
            task: Task = run_task) -> Iterator[Any]:
        for start, stop in batches:
            check()
            yield task(spec, start, stop)


class ProcessExecutor(Executor):
    """Local worker processes (spawn context)."""

    name = "processes"

    def __init__(self, workers: int) -> None:
        if workers < 1:
            raise ValueError(f"workers={workers!r} must be >= 1")
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
            initializer=quiet_worker)

    def close(self, *, abort: bool = False) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        if not abort:
            pool.shutdown(wait=True, cancel_futures=True)
            return
        processes = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        for process in processes:
            process.join(timeout=10)
            if process.is_alive():  # pragma: no cover (a worker stuck in C code)
                process.kill()
                process.join(timeout=5)

    def map(self, spec: Any, batches: Iterable[Batch],
            task: Task = run_task) -> Iterator[Any]:
        if self._pool is None:
            raise RuntimeError("the executor is closed")
        pending: set[Future[Any]] = set()
        todo = iter(batches)
        window = 2 * self.workers
        try:
            while True:
                for start, stop in todo:
                    with blocked_while_spawning():  # workers start inside submit
                        pending.add(self._pool.submit(task, spec, start, stop))
                    if len(pending) >= window:
                        break
                if not pending:
                    return
                done: set[Future[TaskResult]] = set()
                while not done:  # wake up to answer a signal while batches run
                    check()
                    done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                for future in sorted(done, key=lambda f: f.result().start):
                    yield future.result()
        except BrokenProcessPool as exc:
            raise CapexsimError(f"a worker process died ({exc}); finish the run with "
                                "--resume") from None
        finally:
            for future in pending:
                future.cancel()


class DaskExecutor(Executor):
    """A dask.distributed client: a new loopback LocalCluster, or ``scheduler``'s cluster."""

    name = "dask"

    def __init__(self, workers: int, scheduler: str | None = None) -> None:
        try:
            import distributed
        except ImportError:
            raise CapexsimError("the dask executor needs dask.distributed: "
                                "pip install 'capexsim[dask]'") from None
        dist: Any = distributed  # untyped library
        self._cluster: Any = None
        self._client: Any
        if scheduler is not None:
            try:
                self._client = dist.Client(scheduler, timeout="10s")
            except (OSError, TimeoutError, ValueError) as exc:
                raise CapexsimError(f"--scheduler {scheduler}: cannot connect ({exc})") from None
        else:
            if workers < 1:
                raise ValueError(f"workers={workers!r} must be >= 1")
            self._cluster = dist.LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR,
            )
            self._client = dist.Client(self._cluster)
        threads = sum(self._client.nthreads().values())
        self.workers = max(1, threads)

    def close(self, *, abort: bool = False) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def map(self, spec: Any, batches: Iterable[Batch],
            task: Task = run_task) -> Iterator[Any]:
        import distributed

        dist: Any = distributed
        client = self._client
        if client is None:
            raise RuntimeError("the executor is closed")
        # the key names the computation: Dask reuses a finished key's result
        what = ((spec.scenario_hash, spec.seed, spec.design, spec.n_total, spec.keep_series,
                 spec.check) if isinstance(spec, TaskSpec) else getattr(spec, "token", repr(spec)))
        token = hashlib.sha256(repr((task.__module__, task.__qualname__, what)).encode()
                               ).hexdigest()[:16]
        shared = client.scatter(spec, broadcast=True, hash=False)
        todo = iter(batches)

        def submit(start: int, stop: int) -> Any:
            return client.submit(task, shared, start, stop, retries=2, pure=False,
                                 key=f"capexsim-{token}-{start}-{stop}")

        first = [submit(a, b) for a, b in itertools.islice(todo, 2 * self.workers)]
        queue: Any = dist.as_completed(first)
        try:
            for future in queue:
                check()
                result: Any = future.result()
                future.release()
                for start, stop in todo:
                    queue.add(submit(start, stop))
                    break
                yield result
        finally:
            for future in list(queue.futures):
                future.cancel()


def make_executor(kind: str, workers: int, scheduler: str | None = None) -> Executor:
    """The executor ``kind`` (one of :data:`EXECUTORS`) with ``workers`` workers."""
    if scheduler is not None and kind != "dask":
        raise CapexsimError(f"--scheduler needs --executor dask, not {kind}")
    if kind == "serial":
        return SerialExecutor()
    if kind == "processes":
        return ProcessExecutor(workers)
    if kind == "dask":
        return DaskExecutor(workers, scheduler)
    raise CapexsimError(f"unknown executor {kind!r}; choose from {', '.join(EXECUTORS)}")
