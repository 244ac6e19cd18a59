"""``atoll doctor`` against the dev identity provider, right and deliberately wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from doctor_helpers import SECRET, SITE_ORIGIN, dev_provider, doctor, site_yaml
from sitekit import run_atoll


@pytest.fixture
def secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATOLL_SESSION_SECRET", SECRET["ATOLL_SESSION_SECRET"])


def test_a_well_configured_site_passes(tmp_path: Path, secret: None) -> None:
    with dev_provider() as idp:
        result = doctor(tmp_path, site_yaml(idp.settings.issuer, cognito_domain=idp.settings.issuer))
    assert result.code == 0, result.text
    assert result.failed() == {}
    for check in ("discovery", "issuer", "pkce", "cors", "jwks", "callback", "sign-out", "secret", "session-store"):
        assert result.statuses(check) == ["ok"], (check, result.text)
    assert result.statuses("cookie") == ["warn"]  # http on 127.0.0.1: fine here, not for deploying
    assert result.text.rstrip().endswith("All good (1 warning).")


def test_trailing_slash_mismatch_is_a_warning_with_the_exact_issuer(tmp_path: Path, secret: None) -> None:
    with dev_provider() as idp:
        result = doctor(tmp_path, site_yaml(idp.settings.issuer + "/"))
    assert result.code == 0 and result.failed() == {}, result.text
    (issue,) = [f for f in result.findings if f["check"] == "issuer"]
    assert issue["status"] == "warn" and "only the trailing slash differs" in issue["message"]
    assert issue["fix"] == f"set auth.authority to {idp.settings.issuer} exactly"


def test_another_issuer_is_a_failure(tmp_path: Path, secret: None) -> None:
    with dev_provider(issuer="https://login.example.com") as idp:
        result = doctor(tmp_path, site_yaml(idp.url))
    assert result.code == 1
    (issue,) = result.failed()["issuer"]
    assert f"names the issuer 'https://login.example.com', not auth.authority ({idp.url})" in issue
    assert "fix: set auth.authority to https://login.example.com if that is your provider" in issue


def test_wrong_callback_url_is_reported_with_the_exact_url(tmp_path: Path, secret: None) -> None:
    with dev_provider(redirect_uris=(f"{SITE_ORIGIN}/callback",)) as idp:
        result = doctor(tmp_path, site_yaml(idp.settings.issuer))
    assert result.code == 1
    assert list(result.failed()) == ["callback"], result.text
    (issue,) = result.failed()["callback"]
    assert f"does not accept the callback URL {SITE_ORIGIN}/callback/ (redirect_mismatch)" in issue
    assert "trailing slash included" in issue


def test_missing_cors_on_the_token_endpoint(tmp_path: Path, secret: None) -> None:
    with dev_provider(allowed_origins=()) as idp:
        result = doctor(tmp_path, site_yaml(idp.settings.issuer))
    assert result.code == 1
    assert list(result.failed()) == ["cors"], result.text
    (issue,) = result.failed()["cors"]
    assert "the token endpoint" in issue and f"no Access-Control-Allow-Origin for {SITE_ORIGIN}" in issue


def test_short_signing_key(tmp_path: Path, secret: None) -> None:
    with dev_provider(short_key=True) as idp:
        result = doctor(tmp_path, site_yaml(idp.settings.issuer))
    assert result.code == 1
    assert list(result.failed()) == ["jwks"], result.text
    assert "is a 1024-bit RSA key; at least 2048 bits are required" in result.failed()["jwks"][0]


def test_wrong_sign_out_url(tmp_path: Path, secret: None) -> None:
    with dev_provider(logout_uris=(f"{SITE_ORIGIN}/bye/",)) as idp:
        result = doctor(tmp_path, site_yaml(idp.settings.issuer, cognito_domain=idp.settings.issuer))
    assert result.code == 1
    assert list(result.failed()) == ["sign-out"], result.text
    assert f"does not accept the sign-out URL {SITE_ORIGIN}/" in result.failed()["sign-out"][0]


def test_atoll_serves_urls_are_warnings_unless_asked_for(tmp_path: Path, secret: None) -> None:
    """A site deployed elsewhere: its production URLs must work, atoll serve's (127.0.0.1:4321) may not."""
    with dev_provider() as idp:
        result = doctor(tmp_path, site_yaml(idp.url, base_url="https://www.example.com/"))
    failed = result.failed()
    assert set(failed) == {"cors", "callback", "sign-out"}, result.text
    assert all("https://www.example.com" in issue for issues in failed.values() for issue in issues)
    serve = [f for f in result.findings if f["origin"] == SITE_ORIGIN]
    assert {f["check"]: f["status"] for f in serve} == {"cors": "ok", "callback": "ok", "sign-out": "ok"}


def test_dev_origins_are_checked_when_asked(tmp_path: Path, secret: None) -> None:
    with dev_provider() as idp:
        text = site_yaml(idp.settings.issuer)
        plain = doctor(tmp_path, text)
        with_dev = doctor(tmp_path, text, "--dev")
    assert plain.code == 0
    assert with_dev.code == 1
    failed = with_dev.failed()
    assert set(failed) == {"cors", "callback", "sign-out"}, with_dev.text
    assert "http://localhost:4321/callback/" in failed["callback"][0]
    assert "atoll serve --host localhost" in failed["callback"][0]


def test_unreachable_provider_and_no_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ATOLL_SESSION_SECRET", raising=False)
    with dev_provider() as idp:
        gone = idp.settings.issuer
    result = doctor(tmp_path, site_yaml(gone))
    assert result.code == 1
    assert set(result.failed()) == {"discovery", "secret"}, result.text
    assert "cannot be fetched" in result.failed()["discovery"][0]
    assert "ATOLL_SESSION_SECRET is not set" in result.failed()["secret"][0]


def test_weak_secret_and_plain_http_on_a_public_host(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATOLL_SESSION_SECRET", "ab" * 20)
    with dev_provider() as idp:
        result = doctor(tmp_path, site_yaml(idp.settings.issuer, base_url="http://www.example.com/"))
    failed = result.failed()
    assert "only 2 different characters" in failed["secret"][0]
    assert "plain http on a public host" in failed["cookie"][0]


def test_a_site_without_a_provider(tmp_path: Path, secret: None) -> None:
    result = doctor(tmp_path, "title: T\nauth:\n  client_id: x\n")
    assert result.code == 1
    assert "auth.authority is not set" in result.failed()["site"][0]
    assert "atoll cognito setup" in result.failed()["site"][0]
    result = doctor(tmp_path, "title: T\n")
    assert result.code == 1 and "no auth: block" in result.failed()["site"][0]


def test_bad_options_are_usage_errors(tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_text(site_yaml("http://127.0.0.1:9"), encoding="utf-8")
    result = run_atoll("doctor", "--site", tmp_path, "--dev-origin", "localhost:4321")
    assert result.code == 2 and "an origin looks like http://localhost:4321" in result.err
    result = run_atoll("doctor", "--site", tmp_path, "--url", "www.example.com")
    assert result.code == 2 and "--url must be an http(s) URL" in result.err


# ---------------------------------------------------------------- --url: the deployed site


def deployed_site(tmp_path: Path, authority: str, csp: str | None, *, companion: bool = True) -> tuple[str, object]:
    """The site built by `atoll build`, served with ``csp`` and (if asked) the real companion."""
    from atoll.companion import create_app, settings_from_site
    from atoll.config import load_config
    from atoll.wsgi.server import start_background

    root = tmp_path / "deployed"
    (root / "content").mkdir(parents=True)
    (root / "site.yaml").write_text(site_yaml(authority), encoding="utf-8")
    (root / "content" / "index.md").write_text("---\ntitle: Home\n---\nHello.\n", encoding="utf-8")
    assert run_atoll("build", "--site", root).code == 0
    page = (root / "dist" / "index.html").read_bytes()
    assert b"/_atoll/islands." in page
    config = load_config(root)
    session = create_app(settings_from_site(config, secret=SECRET["ATOLL_SESSION_SECRET"]))

    def app(environ: dict, start_response: object) -> list[bytes]:
        if environ["PATH_INFO"].startswith("/auth/") and companion:
            return session(environ, start_response)  # type: ignore[arg-type]
        if environ["PATH_INFO"] != "/":
            start_response("404 Not Found", [("Content-Type", "text/plain")])  # type: ignore[operator]
            return [b"not found"]
        headers = [("Content-Type", "text/html; charset=utf-8")] + ([("Content-Security-Policy", csp)] if csp else [])
        start_response("200 OK", headers)  # type: ignore[operator]
        return [page]

    server, url = start_background(app)
    return url, server


@pytest.mark.parametrize("csp, expected, message", [
    # the page's scripts: theme.js, auth-hint.js and islands.js
    ("default-src 'self'; script-src 'self'; connect-src 'self' {idp}", "ok", "allows the page's 3 script(s)"),
    ("default-src 'self'", "fail", "connect-src blocks the provider: {idp}"),
    ("script-src 'none'; connect-src *", "fail", "blocks the page's scripts: {url}/_atoll/"),
    ("script-src https:; connect-src 'self' {idp}", "fail", "blocks the page's scripts"),
    (None, "warn", "sends no Content-Security-Policy"),
])
def test_deployed_csp(tmp_path: Path, secret: None, csp: str | None, expected: str, message: str) -> None:
    from atoll.wsgi.server import stop

    with dev_provider() as idp:
        url, server = deployed_site(tmp_path, idp.settings.issuer, csp and csp.format(idp=idp.settings.issuer))
        try:
            result = doctor(tmp_path / "site", site_yaml(idp.settings.issuer), "--url", url)
        finally:
            stop(server)  # type: ignore[arg-type]
    findings = [f for f in result.findings if f["check"] == "csp"]
    assert [f["status"] for f in findings] == [expected], result.text
    assert message.format(idp=idp.settings.issuer, url=url) in findings[0]["message"]
    assert result.statuses("companion") == ["ok"]
    assert result.code == (1 if expected == "fail" else 0)


def test_deployed_site_without_its_companion(tmp_path: Path, secret: None) -> None:
    from atoll.wsgi.server import stop

    with dev_provider() as idp:
        url, server = deployed_site(tmp_path, idp.settings.issuer, "script-src 'self'", companion=False)
        try:
            result = doctor(tmp_path / "site", site_yaml(idp.settings.issuer), "--url", url)
        finally:
            stop(server)  # type: ignore[arg-type]
    assert result.code == 1
    assert list(result.failed()) == ["companion"], result.text
    assert "answered HTTP 404, not JSON: the companion is not there" in result.failed()["companion"][0]


def test_a_provider_that_only_knows_production_passes_with_warnings(tmp_path: Path, secret: None) -> None:
    prod = "https://www.example.com"
    with dev_provider(redirect_uris=(f"{prod}/callback/",), logout_uris=(f"{prod}/",), allowed_origins=(prod,)) as idp:
        text = site_yaml(idp.url, base_url=f"{prod}/")
        lenient = doctor(tmp_path, text)
        strict = doctor(tmp_path, text, "--dev-origin", SITE_ORIGIN)
    assert lenient.code == 0, lenient.text
    warned = {f["check"] for f in lenient.findings if f["status"] == "warn" and f["origin"] == SITE_ORIGIN}
    assert warned == {"cors", "callback", "sign-out"}
    (callback,) = [f for f in lenient.findings if f["check"] == "callback" and f["origin"] == SITE_ORIGIN]
    assert callback["message"] == ("for atoll serve: the provider does not accept the callback URL "
                                   f"{SITE_ORIGIN}/callback/ (redirect_mismatch)")
    assert callback["fix"].endswith("needed only to sign in through this provider from `atoll serve`")
    assert strict.code == 1 and set(strict.failed()) == {"cors", "callback", "sign-out"}


def test_json_for_ci(tmp_path: Path, secret: None) -> None:
    import json

    with dev_provider(allowed_origins=()) as idp:
        (tmp_path / "site.yaml").write_text(site_yaml(idp.url), encoding="utf-8")
        result = run_atoll("doctor", "--site", tmp_path, "--json")
    report = json.loads(result.out)
    assert result.code == 1 and report["ok"] is False
    assert report["site"] == f"{SITE_ORIGIN}/" and report["authority"] == idp.url
    (cors,) = [f for f in report["findings"] if f["check"] == "cors"]
    assert set(cors) == {"check", "status", "message", "fix", "origin"}
    assert cors["status"] == "fail" and cors["origin"] == SITE_ORIGIN
