"""``AzureOpenAI`` / ``AsyncAzureOpenAI``: the same clients, pointed at Azure OpenAI.

Everything but the request target is inherited: each call, the retries, the
circuit breaker, the queue and the metrics are those of ``OpenAI`` /
``AsyncOpenAI``. Azure differs only in the URL and the credential header,
decided by :class:`AzureSettings` and carried out by the request target of
``_core/target.py``:

* classic endpoints: ``{azure_endpoint}/openai/deployments/{deployment}/chat/completions
  ?api-version=...``, the deployment being ``azure_deployment`` or each call's
  ``model``;
* the v1 endpoint: ``base_url="https://NAME.openai.azure.com/openai/v1/"``, the
  ordinary paths and no api-version;
* the key travels in ``api-key`` (never also as ``Authorization``), an Azure AD
  token as ``Authorization: Bearer``; a token provider is called (by the
  driver, awaited when it is a coroutine function) when the cached token is
  missing or about to expire.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Mapping, Optional

import attrs

from . import _client_copy as client_copy
from ._config import ClientConfig
from ._core.target import Auth, BaseUrlRoutes, BearerAuth, RequestTarget, Routes
from ._core.target_azure import ApiKeyAuth, AzureDeploymentRoutes, TokenProviderAuth
from .async_client import AsyncOpenAI
from .client import OpenAI

__all__ = ["AsyncAzureOpenAI", "AzureOpenAI", "AzureSettings"]

_MISSING_CREDENTIALS = (
    "No Azure credentials configured: pass api_key=..., azure_ad_token=... or "
    "azure_ad_token_provider=..., or set AZURE_OPENAI_API_KEY (or AZURE_OPENAI_AD_TOKEN)."
)
_V1_SUFFIX = "/openai/v1"
#: with_options keywords that change the Azure settings rather than the config.
_AZURE_OPTIONS = frozenset(
    {
        "api_key",
        "azure_ad_token",
        "azure_ad_token_provider",
        "api_version",
        "azure_deployment",
        "azure_endpoint",
        "base_url",
    }
)

TokenProvider = Callable[[], Any]


def _pick(*values: Optional[str]) -> Optional[str]:
    for value in values:
        if value:
            return value
    return None


@attrs.frozen
class AzureSettings:
    """What an Azure client was told, resolved against the environment once."""

    #: ``https://NAME.openai.azure.com`` (classic), or None with ``base_url``.
    endpoint: Optional[str]
    #: The v1 (or any fixed) base URL, or None for the classic endpoints.
    base_url: Optional[str]
    api_version: Optional[str]
    deployment: Optional[str]
    api_key: Optional[str] = attrs.field(repr=False)
    ad_token: Optional[str] = attrs.field(repr=False)
    ad_token_provider: Optional[TokenProvider] = attrs.field(repr=False)

    @classmethod
    def resolve(
        cls,
        *,
        azure_endpoint: Optional[str],
        base_url: Optional[str],
        api_version: Optional[str],
        azure_deployment: Optional[str],
        api_key: Optional[str],
        azure_ad_token: Optional[str],
        azure_ad_token_provider: Optional[TokenProvider],
        env: Optional[Mapping[str, str]] = None,
    ) -> AzureSettings:
        """Arguments first, then ``AZURE_OPENAI_*`` / ``OPENAI_API_VERSION``; bad ones raise."""
        env = os.environ if env is None else env
        explicit = [
            name
            for name, value in (
                ("api_key", api_key),
                ("azure_ad_token", azure_ad_token),
                ("azure_ad_token_provider", azure_ad_token_provider),
            )
            if value
        ]
        if len(explicit) > 1:
            raise ValueError(f"pass only one Azure credential, got {' and '.join(explicit)}")
        if azure_ad_token_provider is not None and not callable(azure_ad_token_provider):
            raise TypeError("azure_ad_token_provider must be a callable returning a token")
        if not explicit:
            api_key = env.get("AZURE_OPENAI_API_KEY") or None
            azure_ad_token = None if api_key else env.get("AZURE_OPENAI_AD_TOKEN") or None
        if base_url and azure_endpoint:
            raise ValueError("pass azure_endpoint=... or base_url=..., not both")
        endpoint = None if base_url else _pick(azure_endpoint, env.get("AZURE_OPENAI_ENDPOINT"))
        if endpoint and endpoint.rstrip("/").endswith(_V1_SUFFIX):
            base_url, endpoint = endpoint, None  # the v1 endpoint given as azure_endpoint
        if base_url:
            if azure_deployment:
                raise ValueError("azure_deployment applies to the classic endpoints, not base_url")
            # The v1 API takes no api-version; only an explicit argument adds one.
            version = api_version
        else:
            if not endpoint:
                raise ValueError(
                    "Azure needs azure_endpoint=... (or AZURE_OPENAI_ENDPOINT), "
                    "or base_url='https://NAME.openai.azure.com/openai/v1/'"
                )
            version = _pick(api_version, env.get("OPENAI_API_VERSION"))
            if not version:
                raise ValueError(
                    "the classic Azure endpoints need api_version=... "
                    "(or OPENAI_API_VERSION); the v1 endpoint (base_url=...) does not"
                )
            endpoint = endpoint.rstrip("/")
            if endpoint.endswith("/openai"):
                endpoint = endpoint[: -len("/openai")]
        return cls(
            endpoint=endpoint,
            base_url=base_url.rstrip("/") if base_url else None,
            api_version=version,
            deployment=azure_deployment or None,
            api_key=api_key or None,
            ad_token=azure_ad_token or None,
            ad_token_provider=azure_ad_token_provider,
        )

    def evolve(self, options: Mapping[str, Any]) -> AzureSettings:
        """These settings with ``options`` (with_options' Azure keywords) applied."""
        credentials = ("api_key", "azure_ad_token", "azure_ad_token_provider")
        if any(name in options for name in credentials):
            key = options.get("api_key")
            token = options.get("azure_ad_token")
            provider = options.get("azure_ad_token_provider")
        else:
            key, token, provider = self.api_key, self.ad_token, self.ad_token_provider
        endpoint = options.get("azure_endpoint", None if "base_url" in options else self.endpoint)
        base_url = options.get("base_url", None if "azure_endpoint" in options else self.base_url)
        return AzureSettings.resolve(
            azure_endpoint=endpoint,
            base_url=base_url,
            api_version=options.get("api_version", self.api_version),
            azure_deployment=options.get("azure_deployment", self.deployment),
            api_key=key,
            azure_ad_token=token,
            azure_ad_token_provider=provider,
            env={},
        )

    @property
    def display_url(self) -> str:
        """The client's base URL as shown in ``repr`` and ``config.base_url``."""
        if self.base_url is not None:
            return self.base_url
        return f"{self.endpoint}/openai"

    def routes(self) -> Routes:
        if self.base_url is not None:
            query = f"api-version={self.api_version}" if self.api_version else ""
            return BaseUrlRoutes(self.base_url, query)
        assert self.endpoint is not None and self.api_version is not None
        return AzureDeploymentRoutes(self.endpoint, self.api_version, self.deployment)

    def auth(self) -> Auth:
        if self.api_key:
            return ApiKeyAuth(self.api_key)
        if self.ad_token_provider is not None:
            return TokenProviderAuth(self.ad_token_provider)
        return BearerAuth(self.ad_token, missing_message=_MISSING_CREDENTIALS)

    def target(self) -> RequestTarget:
        return RequestTarget(self.routes(), self.auth())


class _AzureTarget:
    """What both Azure clients add to their base class: the Azure settings and target."""

    _azure: AzureSettings

    def __init__(
        self,
        *,
        azure_endpoint: Optional[str] = None,
        api_version: Optional[str] = None,
        azure_deployment: Optional[str] = None,
        api_key: Optional[str] = None,
        azure_ad_token: Optional[str] = None,
        azure_ad_token_provider: Optional[TokenProvider] = None,
        base_url: Optional[str] = None,
        **options: Any,
    ) -> None:
        self._azure = AzureSettings.resolve(
            azure_endpoint=azure_endpoint,
            base_url=base_url,
            api_version=api_version,
            azure_deployment=azure_deployment,
            api_key=api_key,
            azure_ad_token=azure_ad_token,
            azure_ad_token_provider=azure_ad_token_provider,
        )
        if "metadata" in options or "resources" in options:
            raise TypeError("Azure clients take keyword arguments, not the metadata dict")
        # The key is not given to the base class: the target sends it as api-key,
        # so it never becomes an Authorization: Bearer header.
        super().__init__(base_url=self._azure.display_url, **options)  # type: ignore[call-arg]

    def _request_target(self, config: ClientConfig) -> Optional[RequestTarget]:
        return self._azure.target()

    def _copy_with(self, options: Mapping[str, Any]) -> Any:
        """with_options: the Azure settings may change too (key, token, version, deployment)."""
        azure = {k: v for k, v in options.items() if k in _AZURE_OPTIONS}
        rest = {k: v for k, v in options.items() if k not in _AZURE_OPTIONS}
        client_copy.check_options(rest)
        settings = self._azure.evolve(azure) if azure else self._azure
        copy = client_copy.copy_client(self, rest, target=settings.target())
        copy._azure = settings
        return copy

    @property
    def azure(self) -> AzureSettings:
        """The resolved Azure settings (endpoint or base URL, api-version, deployment)."""
        return self._azure


class AzureOpenAI(_AzureTarget, OpenAI):
    """The blocking client for Azure OpenAI.

    ``AzureOpenAI(azure_endpoint="https://NAME.openai.azure.com", api_version="2024-10-21",
    api_key=...)`` for the classic endpoints (the ``model`` of each call names
    the deployment unless ``azure_deployment=`` is given), or
    ``AzureOpenAI(base_url="https://NAME.openai.azure.com/openai/v1/", api_key=...)``
    for the v1 endpoint. Instead of ``api_key``: ``azure_ad_token=`` or
    ``azure_ad_token_provider=`` (a callable returning a token, called again
    before the token expires). Unset values come from ``AZURE_OPENAI_ENDPOINT``,
    ``AZURE_OPENAI_API_KEY``, ``AZURE_OPENAI_AD_TOKEN`` and
    ``OPENAI_API_VERSION``. Every other keyword argument is that of ``OpenAI``.
    """


class AsyncAzureOpenAI(_AzureTarget, AsyncOpenAI):
    """The asyncio client for Azure OpenAI: ``AzureOpenAI``'s arguments, ``AsyncOpenAI``'s calls.

    ``azure_ad_token_provider`` may be a coroutine function (awaited) or a plain
    function (run in an executor, since credential libraries do blocking I/O).
    """
