"""The cached badge, answered before Flask: WSGI middleware in front of the app.

A badge is the hottest request there is (every page view of every blog that embeds one), and
once rendered it is bytes in memory. Flask's machinery for a request (request and app
contexts, signals, URL matching, a Response object) then cost more than the answer itself
(bench/serve.sh, bench/badge_path.py). Here a GET or HEAD of ``/badge/<id>.svg|.png`` whose
record and rendering this process already holds is answered at once, with the very status,
headers and body the route would send (``badges.cached``, ``http.wsgi_answer``: one code
path for both). Everything else goes to Flask untouched: any other route or method, a Host
the app does not answer for, a record or rendering not in memory (the route reads the
store, fetches, renders, charging the client's budgets), bad input and every other error.
"""

from __future__ import annotations

import re
from functools import lru_cache

from werkzeug.exceptions import SecurityError
from werkzeug.wsgi import get_host

from . import badges
from .http import wsgi_answer

BADGE_PATH = re.compile(r"/badge/([^/]+)\.(svg|png)")  # the routes' own pattern (badges.py)


class CachedBadges:
    def __init__(self, app, inner):
        """``app``: the Flask app (its config and services); ``inner``: the WSGI callable
        that answers everything else (the app's own ``wsgi_app``)."""
        self.app = app
        self.inner = inner

    def __call__(self, environ, start_response):
        hit = self._hit(environ)
        if hit is None:
            return self.inner(environ, start_response)
        status, headers, body = hit
        start_response(status, headers)
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]

    def _hit(self, environ) -> tuple[str, list, bytes] | None:
        method = environ.get("REQUEST_METHOD")
        if method != "GET" and method != "HEAD":
            return None
        m = BADGE_PATH.fullmatch(environ.get("PATH_INFO", ""))
        if m is None or not self._host_ok(environ):
            return None
        # As Werkzeug reads them: WSGI strings carry the bytes as latin-1.
        account_id = m[1].encode("latin-1").decode("utf-8", "replace")
        query = environ.get("QUERY_STRING", "").encode("latin-1")
        try:
            found = badges.cached(self.app, account_id, query, m[2] == "png")
        except Exception:  # bad input, or worse: the route answers it, as it always has
            return None
        if found is None:
            return None
        rendered, cache = found
        return wsgi_answer(rendered, cache, environ.get("HTTP_IF_NONE_MATCH"))

    def _host_ok(self, environ) -> bool:
        trusted = self.app.config["TRUSTED_HOSTS"]
        return _host_ok(
            environ["wsgi.url_scheme"],
            environ.get("HTTP_HOST"),
            environ.get("SERVER_NAME"),
            environ.get("SERVER_PORT"),
            None if trusted is None else tuple(trusted),
        )


@lru_cache(maxsize=256)
def _host_ok(scheme, host, server_name, server_port, trusted) -> bool:
    """Flask's Host check (TRUSTED_HOSTS, valid characters), worked out once per Host: it
    IDNA-encodes every trusted name on every request. Bounded: a client that sends many
    Hosts only makes it work each one out again."""
    environ = {"wsgi.url_scheme": scheme, "SERVER_NAME": server_name, "SERVER_PORT": server_port}
    if host is not None:
        environ["HTTP_HOST"] = host
    try:
        get_host(environ, trusted)
    except SecurityError:
        return False
    return True
