"""Findings, and the one screen (or JSON document) they are shown as."""

from __future__ import annotations

import json
import textwrap
from dataclasses import asdict, dataclass, replace
from typing import Literal

Status = Literal["ok", "warn", "fail"]
LABELS = {"ok": "ok", "warn": "warn", "fail": "FAIL"}
CHECK_WIDTH = 14
WIDTH = 100


@dataclass(frozen=True)
class Finding:
    """One check's outcome: ``check`` is a stable name (the troubleshooting page lists them)."""

    check: str
    status: Status
    message: str
    fix: str | None = None
    # The site origin a per-origin check was about (production or development), else None.
    origin: str | None = None


def about(origin: str, finding: Finding) -> Finding:
    return replace(finding, origin=origin)


def ok(check: str, message: str) -> Finding:
    return Finding(check, "ok", message)


def warn(check: str, message: str, fix: str | None = None) -> Finding:
    return Finding(check, "warn", message, fix)


def fail(check: str, message: str, fix: str) -> Finding:
    return Finding(check, "fail", message, fix)


@dataclass(frozen=True)
class Report:
    site: str
    authority: str | None
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        return all(f.status != "fail" for f in self.findings)

    def count(self, status: Status) -> int:
        return sum(f.status == status for f in self.findings)


def _wrapped(text: str, indent: int) -> list[str]:
    return textwrap.wrap(text, WIDTH - indent, break_on_hyphens=False, break_long_words=False) or [""]


def render_text(report: Report) -> str:
    provider = report.authority or "(no auth.authority)"
    lines = [f"atoll doctor: {report.site} signing in with {provider}", ""]
    indent = 2 + 6 + CHECK_WIDTH
    for f in report.findings:
        first, *rest = _wrapped(f.message, indent)
        lines.append(f"  {LABELS[f.status]:<5} {f.check:<{CHECK_WIDTH}}{first}")
        lines += [" " * indent + line for line in rest]
        if f.fix:
            fix_lines = _wrapped(f"fix: {f.fix}", indent)
            lines += [" " * indent + line for line in fix_lines]
    problems, warnings = report.count("fail"), report.count("warn")
    lines.append("")
    if problems:
        lines.append(f"{problems} problem{'s' if problems != 1 else ''} to fix"
                     + (f", {warnings} warning{'s' if warnings != 1 else ''}" if warnings else "") + ".")
    else:
        lines.append("All good" + (f" ({warnings} warning{'s' if warnings != 1 else ''})" if warnings else "") + ".")
    return "\n".join(lines)


def render_json(report: Report) -> str:
    return json.dumps({"ok": report.ok, "site": report.site, "authority": report.authority,
                       "findings": [asdict(f) for f in report.findings]}, indent=2)
