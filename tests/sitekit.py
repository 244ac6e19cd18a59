"""Helpers for tests that build sites through the real CLI."""

from __future__ import annotations

import io
import struct
import sys
import textwrap
import zlib
from dataclasses import dataclass
from pathlib import Path

from atoll.cli import main

REPO = Path(__file__).resolve().parent.parent


@dataclass
class CliResult:
    code: int
    out: str
    err: str


def console_script(name: str, module: str) -> list[str]:
    """The command of an installed console script beside this Python, or ``python -m module``."""
    script = Path(sys.executable).with_name(name)
    return [str(script)] if script.exists() else [sys.executable, "-m", module]


def run_atoll(*argv: str | Path) -> CliResult:
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], out=out, err=err)
    return CliResult(code, out.getvalue(), err.getvalue())


def write_files(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return root


def tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root``, by relative posix path: for byte-for-byte comparisons."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def clean_build(site: Path, out: Path, base_url: str | None = None) -> dict[str, bytes]:
    """What a clean ``atoll build --drafts --no-cache`` writes: the reference for incremental builds."""
    extra = ["--base-url", base_url] if base_url else []
    result = run_atoll("build", "--site", site, "--out", out, "--drafts", "--no-cache", *extra)
    assert result.code == 0, result.err
    return tree(out)


def png(width: int, height: int) -> bytes:
    """A PNG header of the given size (enough for image-size readers)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")
