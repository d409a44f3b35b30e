"""Azure OpenAI's URL shapes and credentials, as the emulator serves them. Pure.

Azure puts the deployment in the path and wants an ``api-version`` query
(classic: ``/openai/deployments/{deployment}/chat/completions?api-version=...``),
or serves the ordinary paths under ``/openai/v1``; the key travels in the
``api-key`` header, an Azure AD token as ``Authorization: Bearer``. The
emulator maps both shapes onto its OpenAI handlers and answers with Azure's
own error bodies for a missing api-version or credential.
"""

from __future__ import annotations

import hmac
from typing import Any, Dict, List, Mapping, Optional, Tuple

from ._errors import ApiError

__all__ = ["AZURE_PREFIX", "azure_routes", "canonical_path", "check_azure_request", "is_azure"]

AZURE_PREFIX = "/openai/"
_DEPLOYMENTS = "/openai/deployments/"
_V1 = "/openai/v1/"

#: (method, OpenAI path) served per deployment on Azure.
DEPLOYMENT_ROUTES: Tuple[Tuple[str, str], ...] = (
    ("POST", "/chat/completions"),
    ("POST", "/embeddings"),
    ("POST", "/images/generations"),
    ("POST", "/audio/speech"),
    ("POST", "/audio/transcriptions"),
    ("POST", "/audio/translations"),
)
#: (method, OpenAI path) served under /openai without a deployment (classic).
RESOURCE_ROUTES: Tuple[Tuple[str, str], ...] = (("GET", "/models"),)
#: Everything the v1 endpoint serves.
V1_ROUTES: Tuple[Tuple[str, str], ...] = (
    *DEPLOYMENT_ROUTES,
    *RESOURCE_ROUTES,
    ("POST", "/moderations"),
)


def azure_routes() -> List[Tuple[str, str, str]]:
    """(method, Azure route, the /v1 path whose handler serves it)."""
    routes = [(m, _DEPLOYMENTS + "{deployment}" + p, "/v1" + p) for m, p in DEPLOYMENT_ROUTES]
    routes += [(m, "/openai" + p, "/v1" + p) for m, p in RESOURCE_ROUTES]
    routes += [(m, "/openai/v1" + p, "/v1" + p) for m, p in V1_ROUTES]
    return routes


def is_azure(path: str) -> bool:
    return path.startswith(AZURE_PREFIX)


def canonical_path(path: str) -> str:
    """The OpenAI ``/v1`` path an Azure path stands for (other paths unchanged)."""
    if path.startswith(_V1):
        return "/v1/" + path[len(_V1) :]
    if path.startswith(_DEPLOYMENTS):
        _, _, rest = path[len(_DEPLOYMENTS) :].partition("/")
        return "/v1/" + rest
    if path.startswith(AZURE_PREFIX):
        return "/v1/" + path[len(AZURE_PREFIX) :]
    return path


def deployment_of(path: str) -> Optional[str]:
    if not path.startswith(_DEPLOYMENTS):
        return None
    deployment, _, _ = path[len(_DEPLOYMENTS) :].partition("/")
    return deployment or None


class AzureGatewayError(ApiError):
    """Azure's gateway errors: ``{"error": {"code": "401", "message": ...}}``, no type or param."""

    def body(self) -> Dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message}}


def _azure_error(status: int, message: str) -> ApiError:
    return AzureGatewayError(status, message, code=str(status))


def check_azure_request(
    path: str, query: Mapping[str, str], headers: Mapping[str, str], expected_key: Optional[str]
) -> None:
    """Raise Azure's error for a classic call without api-version, or a bad credential."""
    if not path.startswith(_V1) and not query.get("api-version"):
        raise _azure_error(404, "Resource not found")
    if expected_key is None:
        return
    key = headers.get("api-key")
    if key is None:
        scheme, _, token = headers.get("Authorization", "").partition(" ")
        key = token.strip() if scheme.lower() == "bearer" else None
    if not key or not hmac.compare_digest(key.encode("utf-8"), expected_key.encode("utf-8")):
        raise _azure_error(
            401,
            "Access denied due to invalid subscription key or wrong API endpoint. Make sure to "
            "provide a valid key for an active subscription and use a correct regional API "
            "endpoint for your resource.",
        )
