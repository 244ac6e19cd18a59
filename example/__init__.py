"""The example site's own code and files, which Atoll does not ship.

The repository root is the example site, and its ``layouts/``, ``scripts/``
and ``public/`` are Atoll's default theme. What only the example site has
lives here: the to-do API (:mod:`example.todos`, named by ``companion.api`` in
``site.yaml``), and the to-do page's layout, script and stylesheet in this
folder's ``layouts/``, ``scripts/`` and ``public/`` (``theme: example``).
"""
