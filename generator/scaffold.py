"""``atoll new DIR``: a small working site on the installed default theme.

It holds only what the author writes (site.yaml, content/); the layouts,
scripts and stylesheet come from the theme inside the package, so upgrading
Atoll upgrades the site's theme. ``atoll eject PATH`` copies one theme file in
to override it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from atoll.errors import SiteError

SITE_YAML = """\
# Site settings. Unknown keys are errors, so a typo never passes silently.
title: {title}
description: A new Atoll site.
base_url: http://127.0.0.1:4321/   # the address the site is served from once deployed
menu:
  - {{title: Blog, url: /blog/}}
  - {{title: Members, url: /members/}}
auth:
  # Without `authority`, `atoll serve` runs a local dev identity provider, so
  # sign-in works at once. Before deploying, set your provider's issuer, e.g.
  #   authority: https://cognito-idp.<region>.amazonaws.com/<user-pool-id>
  #   cognito_domain: https://<prefix>.auth.<region>.amazoncognito.com
  client_id: {client_id}
"""

INDEX = """\
---
title: {title}
description: Welcome to {title}.
---
Welcome! This page is `content/index.md`. Edit it and the browser reloads.

<div data-atoll-show="signed-in" markdown="1">
Hello, <span data-atoll-user="name"></span>: you are signed in.
</div>
<div data-atoll-show="signed-out" markdown="1">
[Sign in](#){{data-atoll-signin}} to see the [members' page](members.md).
</div>

Read the [first post](blog/first-post.md).
"""

MEMBERS = """\
---
title: Members
auth: required
---
Only signed-in readers see this text. It is still in the page's HTML, so keep
secrets behind your API, not here.
"""

POST = """\
---
title: First post
date: {date}
tags: [news]
description: The first post of this site.
---
Posts live in `content/blog/`. They are listed newest first at `/blog/`,
tagged, and in the feed at `/feed.xml`.

```python
print("Hello from {title}")
```
"""


def scaffold(target: Path, *, today: dt.date | None = None) -> int:
    """Create a site in ``target`` (which must be missing or empty); return the file count."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise SiteError(f"{target} already exists and is not empty; choose a new folder")
    title = target.resolve().name.replace("-", " ").replace("_", " ").title() or "My Site"
    client_id = "".join(ch for ch in target.resolve().name.lower() if ch.isalnum() or ch == "-") or "site"
    date = (today or dt.date.today()).isoformat()
    target.mkdir(parents=True, exist_ok=True)
    files = {
        "site.yaml": SITE_YAML.format(title=title, client_id=client_id),
        "content/index.md": INDEX.format(title=title),
        "content/members.md": MEMBERS,
        "content/blog/first-post.md": POST.format(date=date, title=title),
        ".gitignore": "dist/\n.atoll/\n",
    }
    for name, text in files.items():
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return sum(1 for p in target.rglob("*") if p.is_file())
