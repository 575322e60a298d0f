"""Runs in the background: a bounded pool of worker slots, each run in a process of its own.

A run is a separate process (not a thread) so that Cancel can stop it at once and a crash or a
leak in one run cannot take the web server down; at most ``max_workers`` run at a time, the rest
wait in order. Processes start from a *forkserver* that has already imported the models, so a run
starts in milliseconds without forking the multi-threaded web server.

The run reports its progress by writing ``run.json`` in its folder (status, current step, times,
error, NPV); the server only reads it. Nothing here knows Flask.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .store import RunStore, update_meta

_PRELOAD = ["omf_der.web.jobs", "omf_der.web.preload"]


def run_in_folder(folder: str, model: str) -> None:
    """The worker process: run ``model`` on the inputs saved in ``folder``, reporting in run.json."""
    from .. import model_dir as md
    from ..errors import InputError, InputErrors
    from ..runner import RunFailed, failure_message, run_model

    path = Path(folder)
    started = time.time()
    update_meta(path, status="running", started=started, pid=os.getpid(), step=None, step_started=started,
                error=None)

    def progress(step: str) -> None:
        update_meta(path, step=step, step_started=time.time())

    inputs = md.read_json(path / md.INPUTS_FILE)
    try:
        result = run_model(inputs, path, model=model, progress=progress)
    except RunFailed as exc:
        update_meta(path, status="failed", ended=time.time(), step=None, error=str(exc))
        return
    except (InputError, InputErrors) as exc:   # inputs saved by an older version that no longer validate
        message = failure_message(exc)
        md.write_failure(path, inputs, message)
        update_meta(path, status="failed", ended=time.time(), step=None, error=message)
        return
    summary = result.summary
    update_meta(path, status="finished", ended=time.time(), step=None, error=None, seconds=result.seconds,
                npv_usd=summary.get("npv_usd"), payback_years=summary.get("simple_payback_years"))


class AlreadyActive(RuntimeError):
    """The run is already queued or running."""

    def __init__(self, name: str) -> None:
        super().__init__(f"run {name!r} is already queued or running")


@dataclass
class _Job:
    name: str
    folder: Path
    model: str
    cancelled: threading.Event = field(default_factory=threading.Event)
    process: multiprocessing.process.BaseProcess | None = None


class JobRunner:
    """Runs of a :class:`RunStore`, at most ``max_workers`` at a time."""

    def __init__(self, store: RunStore, max_workers: int = 2) -> None:
        if max_workers < 1:
            raise ValueError("max_workers must be at least 1")
        self.store = store
        self.max_workers = max_workers
        self._queue: queue.Queue[_Job | None] = queue.Queue()
        self._jobs: dict[str, _Job] = {}
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(_PRELOAD)
        self._closed = False

    def warm_up(self) -> None:
        """Start the process server now (it imports the models), not at the first run."""
        from multiprocessing import forkserver

        forkserver.ensure_running()

    def _start_threads(self) -> None:
        if not self._threads:
            for i in range(self.max_workers):
                thread = threading.Thread(target=self._worker, name=f"omf-der-run-{i}", daemon=True)
                thread.start()
                self._threads.append(thread)

    def submit(self, name: str, model: str, prepare: Callable[[], None] | None = None) -> None:
        """Queue run ``name`` (its folder holds the inputs). The name is claimed first, so that of
        two requests for the same run only one goes on (the other gets :class:`AlreadyActive`);
        ``prepare()`` (e.g. writing the new inputs) runs after the claim, before queueing."""
        folder = self.store.folder(name)
        with self._lock:
            if self._closed:
                raise RuntimeError("the job runner is shut down")
            if name in self._jobs:
                raise AlreadyActive(name)
            job = _Job(name, folder, model)
            self._jobs[name] = job
        try:
            if prepare is not None:
                prepare()
            update_meta(folder, status="queued", submitted=time.time(), started=None, ended=None, step=None,
                        error=None, npv_usd=None, payback_years=None, seconds=None)
        except BaseException:
            with self._lock:
                if self._jobs.get(name) is job:
                    del self._jobs[name]
            raise
        with self._lock:
            self._start_threads()
        self._queue.put(job)

    def is_active(self, name: str) -> bool:
        with self._lock:
            return name in self._jobs

    def cancel(self, name: str) -> bool:
        """Stop run ``name`` (queued or running); False when it is neither."""
        with self._lock:
            job = self._jobs.get(name)
            if job is None:
                return False
            job.cancelled.set()
            process = job.process
        if process is not None and process.is_alive():
            process.terminate()
            process.join(10)
            if process.is_alive():
                process.kill()
                process.join(5)
        self._finish_cancelled(job)
        return True

    def _finish_cancelled(self, job: _Job) -> None:
        with self._lock:
            if self._jobs.get(job.name) is not job:
                return
            del self._jobs[job.name]
        self.store.clean_leftovers(job.name)
        if job.folder.is_dir() and self.store.read_meta(job.folder).get("status") in ("queued", "running"):
            update_meta(job.folder, status="cancelled", ended=time.time(), step=None, error=None)

    def _worker(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            try:
                self._run(job)
            except Exception as exc:  # the process could not start: the run fails, the worker goes on
                with self._lock:
                    if self._jobs.get(job.name) is job:
                        del self._jobs[job.name]
                if job.folder.is_dir():
                    update_meta(job.folder, status="failed", ended=time.time(), step=None,
                                error=f"the run could not start: {type(exc).__name__}: {exc}")
            finally:
                self._queue.task_done()

    def _run(self, job: _Job) -> None:
        with self._lock:
            if job.cancelled.is_set() or self._jobs.get(job.name) is not job:
                return
            process = self._context.Process(target=run_in_folder, args=(str(job.folder), job.model),
                                            name=f"omf-der run {job.name}", daemon=True)
            job.process = process
            process.start()
        process.join()
        if job.cancelled.is_set():
            return                 # cancel() finishes the bookkeeping
        with self._lock:
            if self._jobs.get(job.name) is job:
                del self._jobs[job.name]
        if process.exitcode != 0 and job.folder.is_dir():
            meta = self.store.read_meta(job.folder)
            if meta.get("status") in ("queued", "running"):
                self.store.clean_leftovers(job.name)
                update_meta(job.folder, status="failed", ended=time.time(), step=None,
                            error=f"the run's process stopped unexpectedly (exit code {process.exitcode}); "
                                  "this is a bug or the machine ran out of memory")

    def wait(self, name: str, timeout: float = 120.0) -> None:
        """Block until run ``name`` is no longer queued or running (tests, CLI)."""
        deadline = time.monotonic() + timeout
        while self.is_active(name):
            if time.monotonic() > deadline:
                raise TimeoutError(f"run {name!r} still active after {timeout} s")
            time.sleep(0.05)

    def shutdown(self, cancel: bool = True) -> None:
        """Stop taking runs; cancel the active ones (or wait for them)."""
        with self._lock:
            self._closed = True
            names = list(self._jobs)
        for name in names:
            if cancel:
                self.cancel(name)
            else:
                self.wait(name, timeout=3600)
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join(5)
