"""``requests`` without ``Session.request``'s per-call merging: the PreparedRequest built here.

Why: ``Session.request`` merges the session's settings, the environment, the
hooks, the cookies and the headers again on every call, and prepares the URL
from scratch. Measured on the reference harness (nginx on 127.0.0.1), that is
about 30 % of requests' CPU per call, more than everything this library does
on top. For a session the transport owns all of it is known in advance.

The request still goes through the session's own ``HTTPAdapter`` (its pool,
TLS settings, proxies and timeouts), its cookie jar and its redirect
handling, so the server receives what ``Session.request`` would have sent:
the session's default headers under the call's own, ``Content-Length``, the
jar's cookies. :func:`can_send_directly` says when this path applies; any
other session (one the caller passed in, one with auth or hooks) keeps the
plain ``Session.request``.
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Tuple, cast

import requests
from requests.cookies import RequestsCookieJar, extract_cookies_to_jar
from requests.models import PreparedRequest
from requests.structures import CaseInsensitiveDict

__all__ = ["DirectSender", "can_send_directly"]

_URL_CACHE_SIZE = 256
_NO_BODY_METHODS = frozenset({"GET", "HEAD"})


def can_send_directly(session: requests.Session, body: Any) -> bool:
    """Whether a call may skip ``Session.request``: nothing per call left to merge.

    Read on every call (a few attribute reads), so a session changed after
    construction (auth, hooks or the environment turned on) falls back.
    """
    return (
        (body is None or type(body) is bytes)
        and not session.trust_env
        and session.auth is None
        and not session.hooks.get("response")
        and not session.params
    )


class DirectSender:
    """Builds and sends PreparedRequests for one session (see the module docstring)."""

    def __init__(self, session: requests.Session) -> None:
        self.session = session
        self._urls: Dict[str, str] = {}

    def _prepared_url(self, url: str) -> str:
        """``PreparedRequest.prepare_url`` (IDNA, quoting, validation), once per URL."""
        prepared = self._urls.get(url)
        if prepared is None:
            probe = PreparedRequest()
            probe.prepare_url(url, None)
            if len(self._urls) >= _URL_CACHE_SIZE:
                self._urls.clear()
            prepared = self._urls[url] = probe.url or url
        return prepared

    def send(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: Optional[bytes],
        timeout: Tuple[Optional[float], Optional[float]],
        stream: bool,
        proxies: Optional[Dict[str, str]],
    ) -> requests.Response:
        session = self.session
        prepared: Any = PreparedRequest()  # Any: _cookies is not in requests' stubs
        prepared.method = method.upper()
        prepared.url = self._prepared_url(url)
        merged: CaseInsensitiveDict[Any] = CaseInsensitiveDict(
            cast("Mapping[str, Any]", session.headers)
        )
        merged.update(headers)
        if body is not None:
            merged["Content-Length"] = str(len(body))
        elif prepared.method not in _NO_BODY_METHODS:
            merged["Content-Length"] = "0"
        for name in [name for name, value in merged.items() if value is None]:
            del merged[name]  # a session header set to None means "don't send it"
        prepared.headers = merged
        prepared.body = body
        prepared.hooks = {"response": []}
        prepared._cookies = None
        jar = session.cookies
        if jar:
            prepared.prepare_cookies(jar.copy())  # a copy, as Session.prepare_request merges
        settings: Dict[str, Any] = {
            "stream": stream,
            "timeout": timeout,
            "verify": session.verify,
            "cert": session.cert,
            "proxies": session.proxies if proxies is None else proxies,
        }
        adapter = session.get_adapter(prepared.url)
        response = adapter.send(prepared, **settings)
        if "set-cookie" in response.headers:
            cast(Any, extract_cookies_to_jar)(jar, prepared, response.raw)
        if response.is_redirect:
            if prepared._cookies is None:
                prepared._cookies = RequestsCookieJar()  # resolve_redirects keeps cookies there
            history = [response]
            history.extend(session.resolve_redirects(response, prepared, **settings))
            response = history.pop()
            response.history = history
        if not stream:
            response.content  # noqa: B018 -- read the body now, as Session.send does
        return response
