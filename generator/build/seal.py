"""Integrity for files Atoll writes into a site folder and reads back (the build cache).

A site folder comes from a checkout, and a checkout may carry a crafted
``.atoll/cache/`` file. Everything saved there is sealed with an HMAC-SHA256
under a key that lives outside every site, in the user's cache folder
(``$XDG_CACHE_HOME/atoll/seal.key``, else ``~/.cache/atoll/seal.key``, mode
0600), and is read back only when the seal checks. So a file this user's Atoll
did not write is never deserialized, whatever it holds.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping
from pathlib import Path

MAGIC = b"atoll-sealed-1\n"
KEY_BYTES = 32


class BrokenSeal(ValueError):
    """The data was not sealed with this user's key (or was changed since)."""


def key_path(environ: Mapping[str, str] = os.environ) -> Path:
    base = environ.get("XDG_CACHE_HOME") or str(Path(environ.get("HOME") or Path.home()) / ".cache")
    return Path(base) / "atoll" / "seal.key"


def user_key(path: Path | None = None) -> bytes:
    """This user's sealing key, made on first use (0600, in a 0700 folder)."""
    path = path or key_path()
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        key = b""
    if len(key) == KEY_BYTES:
        return key
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fresh = secrets.token_bytes(KEY_BYTES)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(fresh)
    try:
        os.link(tmp, path)  # first writer wins when two builds start at once
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    key = path.read_bytes()
    if len(key) != KEY_BYTES:
        raise OSError(f"{path}: not an Atoll sealing key ({len(key)} bytes); delete it and try again")
    return key


def _mac(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, hashlib.sha256).digest()


def seal(data: bytes, key: bytes | None = None) -> bytes:
    key = key or user_key()
    return MAGIC + _mac(key, data) + data


def unseal(sealed: bytes, key: bytes | None = None) -> bytes:
    """The data of :func:`seal`'s output; :class:`BrokenSeal` for anything else."""
    key = key or user_key()
    size = len(MAGIC) + hashlib.sha256().digest_size
    if not sealed.startswith(MAGIC) or len(sealed) < size:
        raise BrokenSeal("not sealed by Atoll")
    data = sealed[size:]
    if not hmac.compare_digest(sealed[len(MAGIC):size], _mac(key, data)):
        raise BrokenSeal("sealed with another key, or changed since it was written")
    return data
