"""The dev server: ``atoll serve``.

:mod:`~atoll.serve.server` runs it, :mod:`~atoll.serve.rebuild` rebuilds in
place, :mod:`~atoll.serve.watch` notices changes, :mod:`~atoll.serve.http` is
its HTTP side, and ``client.js`` is its browser client (reload, error overlay).
"""
