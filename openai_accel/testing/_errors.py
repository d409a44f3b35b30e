"""API errors raised by the endpoint logic and turned into real-looking replies.

Endpoint modules are pure functions; they report a rejected request by raising
:class:`ApiError`. The server turns it into the body, status and headers the
real API uses for that kind of error, so the wording of each message lives in
one helper here instead of being retyped at every call site.
"""

from __future__ import annotations

from typing import Any, Collection, Dict, Iterable, Mapping, Optional, Sequence

from ._wire import error_body

# How an error body is laid out. The API itself is inconsistent, and clients
# must cope with all of these (see the recordings' README):
STYLE_VALIDATION = "validation"  # 2-space, no trailing newline, application/json
STYLE_GATEWAY = "gateway"  # 4-space + newline, charset=utf-8, vary: Origin (401, 404 model)


class ApiError(Exception):
    """One error reply: status, the four error fields and how it is laid out."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type_: str = "invalid_request_error",
        param: Optional[str] = None,
        code: Optional[str] = None,
        style: str = STYLE_VALIDATION,
        extra: Optional[Dict[str, Any]] = None,
        headers: Optional[Dict[str, str]] = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type_
        self.param = param
        self.code = code
        self.style = style
        self.extra = extra or {}
        self.headers = headers or {}

    def body(self) -> Dict[str, Any]:
        body = error_body(self.message, self.type, self.param, self.code)
        body.update(self.extra)
        return body


def _quote_list(values: Sequence[str]) -> str:
    quoted = [f"'{v}'" for v in values]
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + ", and " + quoted[-1]


def missing_parameter(param: str) -> ApiError:
    return ApiError(
        400,
        f"Missing required parameter: '{param}'.",
        param=param,
        code="missing_required_parameter",
    )


def invalid_type(param: str, expected: str, value: Any) -> ApiError:
    got = type(value).__name__
    names = {"str": "a string", "int": "an integer", "float": "a decimal", "bool": "a boolean"}
    names.update({"list": "an array", "dict": "an object", "NoneType": "null"})
    return ApiError(
        400,
        f"Invalid type for '{param}': expected {expected}, but got {names.get(got, got)} instead.",
        param=param,
        code="invalid_type",
    )


def invalid_value(param: str, value: Any, supported: Iterable[str]) -> ApiError:
    return ApiError(
        400,
        f"Invalid value: '{value}'. Supported values are: {_quote_list(list(supported))}.",
        param=param,
        code="invalid_value",
    )


def below_minimum(param: str, value: Any, minimum: Any) -> ApiError:
    kind = "integer" if isinstance(value, int) else "decimal"
    return ApiError(
        400,
        f"Invalid '{param}': {kind} below minimum value. "
        f"Expected a value >= {minimum}, but got {value} instead.",
        param=param,
        code=f"{kind}_below_min_value",
    )


def above_maximum(param: str, value: Any, maximum: Any) -> ApiError:
    kind = "integer" if isinstance(value, int) else "decimal"
    return ApiError(
        400,
        f"Invalid '{param}': {kind} above maximum value. "
        f"Expected a value <= {maximum}, but got {value} instead.",
        param=param,
        code=f"{kind}_above_max_value",
    )


def string_too_long(param: str, length: int, maximum: int) -> ApiError:
    return ApiError(
        400,
        f"Invalid '{param}': string too long. Expected a string with maximum length "
        f"{maximum}, but got a string with length {length} instead.",
        param=param,
        code="string_above_max_length",
    )


def unknown_parameter(param: str) -> ApiError:
    """The newer validator's wording (seen on /v1/images/generations)."""
    return ApiError(400, f"Unknown parameter: '{param}'.", param=param, code="unknown_parameter")


def unrecognized_argument(param: str) -> ApiError:
    """The older validator's wording, still used by chat completions and embeddings."""
    return ApiError(400, f"Unrecognized request argument supplied: {param}")


def unsupported_parameter(param: str, hint: str = "") -> ApiError:
    message = f"Unsupported parameter: '{param}' is not supported with this model."
    if hint:
        message += " " + hint
    return ApiError(400, message, param=param, code="unsupported_parameter")


def model_not_found(model: str) -> ApiError:
    return ApiError(
        404,
        f"The model `{model}` does not exist or you do not have access to it.",
        code="model_not_found",
        style=STYLE_GATEWAY,
    )


def invalid_json() -> ApiError:
    return ApiError(
        400,
        "We could not parse the JSON body of your request. (HINT: This likely means you "
        "aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, "
        "but what was sent was not valid JSON. If you have trouble figuring out how to fix "
        "this, please contact us through our help center at help.openai.com.)",
    )


def mask_key(key: str) -> str:
    """Mask a key the way the 401 message does: first 8 and last 4 characters kept."""
    if len(key) <= 12:
        return key[:2] + "*" * max(0, len(key) - 2)
    return key[:8] + "*" * (len(key) - 12) + key[-4:]


def incorrect_api_key(key: str) -> ApiError:
    return ApiError(
        401,
        f"Incorrect API key provided: {mask_key(key)}. You can find your API key at "
        "https://platform.openai.com/account/api-keys.",
        code="invalid_api_key",
        style=STYLE_GATEWAY,
    )


def missing_api_key() -> ApiError:
    return ApiError(
        401,
        "You didn't provide an API key. You need to provide your API key in an Authorization "
        "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password "
        "field (with blank username) if you're accessing the API from your browser and are "
        "prompted for a username and password. You can obtain an API key from "
        "https://platform.openai.com/account/api-keys.",
        style=STYLE_GATEWAY,
    )


def invalid_url(method: str, path: str) -> ApiError:
    return ApiError(404, f"Invalid URL ({method} {path})")


def internal_error() -> ApiError:
    return ApiError(
        500,
        "The server had an error while processing your request. Sorry about that!",
        type_="server_error",
    )


def check_body(body: Any, known: Collection[str], required: Iterable[str]) -> None:
    """The checks every strict JSON endpoint makes first, in the real API's order:
    a JSON object, no unknown argument, every required one present."""
    if not isinstance(body, Mapping):
        raise invalid_json()
    for key in body:
        if key not in known:
            raise unrecognized_argument(key)
    for name in required:
        if name not in body:
            raise missing_parameter(name)
