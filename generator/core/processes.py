"""When Launchboard may use the second core, and how: forked worker processes.

Two steps use other processes: `check`'s record readers (pipeline) and the site's second
renderer (render). Both follow the one rule here, so a
platform or a host process where forking is unsafe never gets a fork from any of them.
"""

from __future__ import annotations

import os
import sys
import threading
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Callable


def workers() -> int:
    """Processes to use: LAUNCHBOARD_JOBS, else the CPUs this process may run on."""
    wanted = os.environ.get("LAUNCHBOARD_JOBS", "").strip()
    if wanted.isdigit():
        return max(1, int(wanted))
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


def may_fork() -> bool:
    """Workers are forked: cheap, and they inherit what this process has built (compiled
    schemas, templates, the portfolio). Forking is safe only on Linux (macOS system libraries
    are not fork-safe), from a process with one thread (`mkdocs serve` runs several; a fork
    would copy locks other threads hold) that is not itself a daemonic multiprocessing
    worker. Spawning instead would re-run an unguarded main script in every worker, and with
    a warm cache costs more than it saves (measured: 1.1 s against 1.0 s in one process at
    1,000 initiatives), so elsewhere one process it is."""
    import multiprocessing

    return (
        sys.platform.startswith("linux")
        and threading.active_count() == 1
        and not multiprocessing.current_process().daemon
    )


def forked_pool(
    max_workers: int, initializer: Callable[..., Any] | None = None, initargs: tuple = ()
) -> ProcessPoolExecutor:
    """A pool of forked workers; call only where may_fork() says so."""
    import multiprocessing

    return ProcessPoolExecutor(
        max_workers=max_workers, mp_context=multiprocessing.get_context("fork"), initializer=initializer, initargs=initargs
    )


def second_process_pays() -> bool:
    """Whether a step may hand half its work to one forked process: two CPUs and a fork allowed."""
    return workers() >= 2 and may_fork()
