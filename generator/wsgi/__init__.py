"""The small WSGI toolkit the apps (companion, dev identity provider) share:
JSON errors and request rules (:mod:`~atoll.wsgi.http`) and a threaded server
for development (:mod:`~atoll.wsgi.server`)."""
