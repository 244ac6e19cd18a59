"""Protected pages: who may read which URL, decided the same way by every gate.

- :mod:`~atoll.gate.rules`: URL patterns, :class:`Access` and the pure
  :func:`~atoll.gate.rules.decide`.
- :mod:`~atoll.gate.paths`: a request path (raw or decoded) -> one canonical path, or refused.
- :mod:`~atoll.gate.manifest`: the JSON manifest the build writes into the
  protected output, read back by the gates (fail closed when it cannot be read).

The gates are the companion (it serves protected files and answers
``GET /auth/check`` for reverse proxies) and ``atoll serve``. This package
imports nothing from the build.
"""
