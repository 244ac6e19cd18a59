"""A build cache that came with a checkout cannot run code: only files sealed with this user's key are read."""

from __future__ import annotations

import os
import pickle
import stat
from pathlib import Path

import pytest

from atoll.build import cache, seal
from sitekit import run_atoll, write_files

SITE = {
    "site.yaml": "title: Sealed\nbase_url: https://sealed.example/\n",
    "content/index.md": "---\ntitle: Home\n---\nHello.\n",
    "content/about.md": "---\ntitle: About\n---\nAbout.\n",
}


class Payload:
    """Unpickling this creates ``marker``: proof that the cache file ran code."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (exec, (f"open({str(self.marker)!r}, 'w').write('pwned')",))


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = write_files(tmp_path / "site", SITE)
    assert run_atoll("build", "--site", root).code == 0
    return root


def test_a_second_build_still_reuses_its_own_sealed_cache(site: Path) -> None:
    result = run_atoll("build", "--site", site)
    assert result.code == 0 and "unchanged" in result.out and result.err == ""
    assert cache.cache_path(site).read_bytes().startswith(seal.MAGIC)


@pytest.mark.parametrize("forge", ["bare pickle", "sealed with an attacker's key", "seal copied, data changed"])
def test_a_committed_malicious_cache_file_never_runs(site: Path, tmp_path: Path, forge: str) -> None:
    marker = tmp_path / "pwned"
    evil = pickle.dumps(Payload(marker))
    if forge == "bare pickle":
        data = evil
    elif forge == "sealed with an attacker's key":
        data = seal.seal(evil, key=os.urandom(seal.KEY_BYTES))
    else:
        genuine = cache.cache_path(site).read_bytes()
        data = genuine[: len(seal.MAGIC) + 32] + evil
    for command in (["build"], ["build", "--drafts"]):
        cache.cache_path(site).write_bytes(data)
        result = run_atoll(*command, "--site", site)
        assert result.code == 0, result.err
        assert "build cache not written by this user's Atoll" in result.err
        assert not marker.exists()
    # The build wrote a fresh, sealed cache over the foreign one.
    assert seal.unseal(cache.cache_path(site).read_bytes())


def test_the_key_lives_outside_the_site_readable_by_its_owner_only(site: Path, user_cache_home: Path) -> None:
    path = seal.key_path()
    assert path == user_cache_home / "atoll" / "seal.key"
    assert not path.resolve().is_relative_to(site.resolve())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(path.read_bytes()) == seal.KEY_BYTES
    assert seal.user_key() == path.read_bytes()  # made once, then reused


def test_key_path_follows_xdg_then_home(tmp_path: Path) -> None:
    assert seal.key_path({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "atoll/seal.key"
    assert seal.key_path({"HOME": str(tmp_path)}) == tmp_path / ".cache/atoll/seal.key"


def test_the_dev_servers_cache_is_checked_the_same_way(site: Path, tmp_path: Path) -> None:
    from atoll.serve.server import SERVE_STATE

    marker = tmp_path / "pwned"
    cache.cache_path(site, SERVE_STATE).write_bytes(pickle.dumps(Payload(marker)))
    state, notes = cache.load(site, SERVE_STATE)
    assert not marker.exists() and state.entries == {}
    assert "not written by this user's Atoll" in notes[0]
