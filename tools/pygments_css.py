"""Writes public/css/pygments.css: a light and a dark Pygments style for the default theme.

    .venv/bin/python tools/pygments_css.py

Both were picked because every token colour meets WCAG AA (4.5:1) on the
theme's code background (#f6f8fa light, #161b22 dark).
"""

from __future__ import annotations

from pathlib import Path

from pygments.formatters import HtmlFormatter

LIGHT, DARK = "xcode", "github-dark"
DARK_SCOPES = (':root[data-theme="dark"] .highlight', ':root:not([data-theme="light"]) .highlight')


def rules(style: str, scope: str) -> str:
    css = HtmlFormatter(style=style).get_style_defs(scope)
    # the theme draws the block's background and line numbers itself
    kept = [line for line in css.splitlines()
            if not line.startswith(("pre {", "td.linenos", "span.linenos", f"{scope} {{", f"{scope} .hll"))]
    return "\n".join(kept)


def main() -> None:
    out = [f"/* Code highlighting: Pygments {LIGHT!r} (light) and {DARK!r} (dark).",
           "   Regenerate with: .venv/bin/python tools/pygments_css.py */",
           rules(LIGHT, ".highlight"),
           rules(DARK, DARK_SCOPES[0]),
           "@media (prefers-color-scheme: dark) {",
           rules(DARK, DARK_SCOPES[1]),
           "}", ""]
    path = Path(__file__).resolve().parent.parent / "public" / "css" / "pygments.css"
    path.write_text("\n".join(out), encoding="utf-8")


if __name__ == "__main__":
    main()
