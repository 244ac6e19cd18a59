"""The ports the servers listen on: a clear error for a busy one, the next free one for a default.

An explicit ``--port`` that is busy is an error naming the flag; a default port
that is busy moves up to the next free one, as Vite and Astro do, and says so.
"""

from __future__ import annotations

import errno
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from atoll.errors import StartError

T = TypeVar("T")
TRIES = 20  # default ports looked at before giving up


@dataclass(frozen=True)
class Bound(Generic[T]):
    """What listens (a socket, a server), the port asked for, and a note when the default moved."""

    listener: T
    port: int
    note: str | None = None


def listen_error(host: str, port: int, flag: str, exc: OSError) -> StartError:
    if exc.errno == errno.EADDRINUSE:
        return StartError(f"port {port} on {host} is already in use; pick another with {flag} "
                          f"(e.g. {flag} {port + 10})")
    return StartError(f"cannot listen on {host}:{port}: {exc.strerror or exc}")


def listen_on(listen: Callable[[int], T], host: str, port: int | None, *, default: int, flag: str,
              what: str) -> Bound[T]:
    """``listen(port)``; with ``port`` None, on ``default`` or the next free port after it.

    ``what`` names the server in the note, e.g. "the site" or "the dev identity provider".
    """
    if port is not None:
        try:
            return Bound(listen(port), port)
        except OSError as exc:
            raise listen_error(host, port, flag, exc) from exc
    last = min(default + TRIES, 65536)
    for candidate in range(default, last):
        try:
            listener = listen(candidate)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                continue
            raise listen_error(host, candidate, flag, exc) from exc
        note = None if candidate == default else (
            f"port {default} is in use, so {what} is on port {candidate} (choose one with {flag})")
        return Bound(listener, candidate, note)
    raise StartError(f"ports {default} to {last - 1} on {host} are all in use; pick a free one with {flag}")
