"""Azure's URL and credential strategies for :class:`~.target.RequestTarget`.

Split from :mod:`.target` so that ``import openai_accel`` does not create
these attrs classes (perf: ~1 ms each) for the clients that never talk to
Azure; :mod:`.target` still exports every name, loading this module on use.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from typing import Any, Callable, Optional, Tuple
from urllib.parse import quote

import attrs

from ..errors import AuthenticationError
from .effects import Flow, invoke
from .target import NO_EFFECTS, _missing

__all__ = [
    "AZURE_DEPLOYMENT_PATHS",
    "ApiKeyAuth",
    "AzureDeploymentRoutes",
    "TokenProviderAuth",
    "jwt_expiry",
]

#: The Azure endpoints served per deployment (the model is in the URL); every
#: other path (models, files, batches) lives directly under ``/openai``.
AZURE_DEPLOYMENT_PATHS = frozenset(
    {
        "/completions",
        "/chat/completions",
        "/embeddings",
        "/audio/transcriptions",
        "/audio/translations",
        "/audio/speech",
        "/images/generations",
        "/images/edits",
    }
)


@attrs.frozen
class AzureDeploymentRoutes:
    """Azure classic: ``{endpoint}/openai/deployments/{deployment}{path}?api-version=...``.

    The deployment is ``deployment`` when the client was given one, else the
    call's ``model`` (as the official SDK does).
    """

    endpoint: str
    api_version: str
    deployment: Optional[str] = None

    def url(self, path: str, model: Optional[str]) -> str:
        base = self.endpoint + "/openai"
        if path in AZURE_DEPLOYMENT_PATHS:
            deployment = self.deployment or model
            if not deployment:
                raise ValueError(
                    f"{path} on Azure needs a deployment: pass model=<deployment name> "
                    "or create the client with azure_deployment=..."
                )
            base += "/deployments/" + quote(deployment, safe="")
        query = "api-version=" + quote(self.api_version, safe="")
        return base + path + ("&" if "?" in path else "?") + query


@attrs.frozen
class ApiKeyAuth:
    """Azure's ``api-key: <key>`` header, never also ``Authorization``."""

    key: str

    def authorize(self) -> Flow[None]:
        return NO_EFFECTS

    def header(self) -> Tuple[str, str]:
        return "api-key", self.key


def jwt_expiry(token: str) -> Optional[float]:
    """The ``exp`` claim (epoch seconds) of a JWT, or None when it is not a readable JWT.

    Only read to know when to ask for a new token, never to trust it: the
    signature is the server's business.
    """
    parts = token.split(".")
    if len(parts) != 3:
        return None
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload.encode("ascii")))
    except (binascii.Error, ValueError, UnicodeError):
        return None
    exp = claims.get("exp") if isinstance(claims, dict) else None
    if isinstance(exp, (int, float)) and not isinstance(exp, bool):
        return float(exp)
    return None


@attrs.define
class TokenProviderAuth:
    """``Authorization: Bearer <token>`` with the token from a caller's provider, cached.

    The provider is called (through the driver) when there is no token yet or
    the cached one is about to expire. The expiry comes from the value
    returned: an ``AccessToken``-like object's ``expires_on``, else a JWT's
    ``exp`` claim, else ``ttl`` seconds from now. Azure AD tokens live about an
    hour; ``refresh_margin`` asks for the next one early enough that a request
    never leaves with a token that dies on the way. Two calls racing for the
    first token may both call the provider; either token is valid.
    """

    provider: Callable[[], Any]
    ttl: float = 300.0
    refresh_margin: float = 300.0
    clock: Callable[[], float] = time.time
    _token: Optional[str] = attrs.field(default=None, init=False)
    _expires_at: float = attrs.field(default=0.0, init=False)

    def _fresh(self) -> bool:
        return self._token is not None and self.clock() < self._expires_at - self.refresh_margin

    def authorize(self) -> Flow[None]:
        if self._fresh():
            return
        try:
            value = yield from invoke(self.provider)
        except Exception as exc:
            raise AuthenticationError(
                f"azure_ad_token_provider failed: {type(exc).__name__}: {exc}"
            ) from exc
        self._accept(value)

    def _accept(self, value: Any) -> None:
        token = getattr(value, "token", value)
        if not isinstance(token, str) or not token:
            raise AuthenticationError(
                "azure_ad_token_provider must return a non-empty token string "
                f"(or an AccessToken), got {type(value).__name__}"
            )
        now = self.clock()
        expires_on = getattr(value, "expires_on", None)
        if not isinstance(expires_on, (int, float)) or isinstance(expires_on, bool):
            expires_on = jwt_expiry(token)
        if expires_on is None:
            # No expiry known: keep it ttl seconds (the margin must not eat all of it).
            expires_on = now + self.ttl + self.refresh_margin
        self._token, self._expires_at = token, float(expires_on)

    def header(self) -> Tuple[str, str]:
        if self._token is None:  # authorize() always runs first; this guards misuse
            raise _missing("no Azure AD token yet: the token provider was not called")
        return "Authorization", f"Bearer {self._token}"
