"""Where a request goes and how it proves who sends it: the one place OpenAI and Azure differ.

A :class:`RequestTarget` pairs a URL strategy (:class:`Routes`) with an
authentication strategy (:class:`Auth`). ``ClientCore.build`` asks it for the
URL and the credential header of every request, so every flow, the retries,
the breaker and the metrics are the same for OpenAI, Azure classic
(``/openai/deployments/{deployment}/...?api-version=``) and Azure v1.

Pure: a token provider is never called here. ``Auth.authorize`` is a flow that
yields an :class:`~openai_accel._core.effects.Invoke` effect when a fresh token
is needed, so the driver (blocking or asyncio) is the one that calls it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional, Protocol, Tuple

import attrs

from ..errors import AuthenticationError
from .effects import Flow

if TYPE_CHECKING:
    from .target_azure import (
        ApiKeyAuth,
        AzureDeploymentRoutes,
        TokenProviderAuth,
        jwt_expiry,
    )

__all__ = [
    "ApiKeyAuth",
    "Auth",
    "AzureDeploymentRoutes",
    "BaseUrlRoutes",
    "BearerAuth",
    "RequestTarget",
    "Routes",
    "TokenProviderAuth",
    "jwt_expiry",
]


class Routes(Protocol):
    def url(self, path: str, model: Optional[str]) -> str:
        """The absolute URL of an API path (``/chat/completions``) for ``model``."""
        ...


class Auth(Protocol):
    def authorize(self) -> Flow[None]:
        """Make sure a credential is at hand (may yield an ``Invoke`` for a token provider)."""
        ...

    def header(self) -> Tuple[str, str]:
        """The credential header (name, value); AuthenticationError when there is none."""
        ...


def _empty_flow() -> Flow[None]:
    return
    yield  # pragma: no cover - makes this a generator


def _finished_flow() -> Flow[None]:
    flow = _empty_flow()
    for _ in flow:  # pragma: no cover - it yields nothing
        pass
    return flow


#: What a static credential's ``authorize()`` returns: a flow that is already
#: over, so ``yield from`` it returns None at once. perf: one shared object, not
#: a new generator per call (an exhausted generator stays exhausted, whoever
#: steps it and from whichever thread).
NO_EFFECTS: Flow[None] = _finished_flow()


@attrs.frozen
class BaseUrlRoutes:
    """OpenAI, a compatible server, or Azure v1: ``base_url + path`` (plus a fixed query)."""

    base_url: str
    #: Appended to every URL (``api-version=...`` when an Azure v1 client sets one).
    query: str = ""

    def url(self, path: str, model: Optional[str]) -> str:
        url = self.base_url + path
        if self.query:
            url += ("&" if "?" in url else "?") + self.query
        return url


def _missing(message: str) -> AuthenticationError:
    return AuthenticationError(message)


@attrs.frozen
class BearerAuth:
    """``Authorization: Bearer <key or token>`` (OpenAI keys, a fixed Azure AD token)."""

    token: Optional[str]
    missing_message: str = (
        "No API key configured: pass api_key=..., metadata={'openai_api_key': ...} "
        "or set the OPENAI_API_KEY environment variable."
    )

    def authorize(self) -> Flow[None]:
        return NO_EFFECTS

    def header(self) -> Tuple[str, str]:
        if self.token is None:
            raise _missing(self.missing_message)
        return "Authorization", f"Bearer {self.token}"


@attrs.frozen
class RequestTarget:
    """The URL strategy and the auth strategy of one client."""

    routes: Routes
    auth: Auth

    def url(self, path: str, model: Optional[str]) -> str:
        return self.routes.url(path, model)


#: perf: Azure's strategies (three attrs classes, ~1 ms each to create) live in
#: :mod:`.target_azure`, loaded by the first Azure client; still importable from here.
_AZURE_NAMES = frozenset(
    {
        "AZURE_DEPLOYMENT_PATHS",
        "ApiKeyAuth",
        "AzureDeploymentRoutes",
        "TokenProviderAuth",
        "jwt_expiry",
    }
)


def __getattr__(name: str) -> Any:
    if name in _AZURE_NAMES:
        from . import target_azure

        return getattr(target_azure, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
