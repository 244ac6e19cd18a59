"""The render pool and signals: a worker never passes one on to the process that started it, and a
Ctrl-C while the pool starts leaves no worker behind."""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import threading

import pytest

from atoll.build.parallel import worker_pool

JOBS = 2
_forks = {"armed": False, "count": 0}


def _count_fork() -> None:
    if _forks["armed"]:
        _forks["count"] += 1


def _signal_the_new_worker() -> None:
    # Right after the fork, before the worker's initializer has run: the moment at which the
    # pool's own SIGTERM reaches a worker that had no work to start (only the first workers,
    # so that those the pool starts in their place get to work)
    if _forks["armed"] and _forks["count"] <= JOBS:
        os.kill(os.getpid(), signal.SIGTERM)


os.register_at_fork(before=_count_fork, after_in_child=_signal_the_new_worker)


def test_a_sigterm_to_a_worker_that_has_not_started_does_not_reach_the_server() -> None:
    # The server's set-up, as asyncio makes it: a SIGTERM handler, and a wakeup fd that the
    # signal's number is written to (the server stops when it reads one)
    woken, wakeup = socket.socketpair()
    woken.setblocking(False)
    wakeup.setblocking(False)
    handled: list[int] = []
    previous_fd = signal.set_wakeup_fd(wakeup.fileno())
    previous_handler = signal.signal(signal.SIGTERM, lambda number, frame: handled.append(number))
    _forks.update(armed=True, count=0)
    try:
        with worker_pool(JOBS) as pool:
            # (a chunk size of its own: without one, map divides by the number of live workers,
            # which is 0 for a moment once the signalled ones have stopped)
            assert pool.map(abs, range(-50, 0), chunksize=5) == list(range(50, 0, -1))
    finally:
        _forks["armed"] = False
        signal.signal(signal.SIGTERM, previous_handler)
        signal.set_wakeup_fd(previous_fd)
    try:
        written = woken.recv(64)
    except BlockingIOError:
        written = b""
    woken.close()
    wakeup.close()
    assert written == b"", "a worker's signal was written to the server's wakeup fd"
    assert handled == []
    assert _forks["count"] > JOBS, "the signalled workers stopped, and the pool started others in their place"


_interrupt = {"armed": False}


def _interrupt_the_parent() -> None:
    # The author's Ctrl-C while the pool forks its first worker (once). Sent to the forking thread:
    # a signal sent to the process may be taken by another thread (pytest-xdist's), which does not
    # hold it, and then Python raises it in the middle of the fork.
    if _interrupt["armed"]:
        _interrupt["armed"] = False
        signal.pthread_kill(threading.get_ident(), signal.SIGINT)


os.register_at_fork(before=_interrupt_the_parent)


def test_a_ctrl_c_while_the_pool_starts_leaves_no_worker_behind() -> None:
    before = set(multiprocessing.active_children())
    _interrupt["armed"] = True
    try:
        with pytest.raises(KeyboardInterrupt), worker_pool(JOBS) as pool:
            pool.map(abs, range(10))
    finally:
        _interrupt["armed"] = False
    assert set(multiprocessing.active_children()) - before == set(), "the workers outlived the interrupted pool"
