"""A request whose body is not JSON is refused before it is sent, on both clients."""

from __future__ import annotations

import math
from typing import Any

import pytest

from openai_accel import BadRequestError

from ..helpers import chat_body, reply, sent_json


def _circular() -> Any:
    message: Any = {"role": "user", "content": "hi"}
    message["again"] = message
    return [message]


@pytest.mark.parametrize(
    ("arguments", "param"),
    [
        ({"messages": [{"role": "user", "content": object()}]}, "messages[0].content"),
        ({"messages": [{"role": "user", "content": "half a pair \ud800"}]}, "messages[0].content"),
        ({"messages": "hi", "temperature": math.nan}, "temperature"),
        ({"messages": "hi", "metadata": {"cost": math.inf}}, "metadata.cost"),
        ({"messages": _circular()}, "messages[0].again"),
    ],
)
def test_a_body_that_is_not_json_is_refused_by_name(make_mock_api, arguments, param):
    api = make_mock_api(lambda req: reply(200, chat_body()))
    arguments = dict(arguments)  # shared by both client kinds
    messages = arguments.pop("messages")
    with pytest.raises(BadRequestError) as caught:
        api.call("chat", messages, **arguments)
    assert caught.value.param == param
    assert caught.value.status_code is None  # refused here, not by the server
    assert api.client._driver.transport.requests == []


def test_the_client_goes_on_after_a_refused_body(make_mock_api):
    api = make_mock_api(lambda req: reply(200, chat_body("fine")))
    with pytest.raises(BadRequestError):
        api.call("chat", "hi", temperature=math.nan)
    assert api.call("chat", "hi", temperature=0.5).content == "fine"
    assert sent_json(api.client._driver.transport.requests[-1])["temperature"] == 0.5
    records = list(api.client.recent_requests.values())
    assert [r.success for r in records] == [False, True]
    assert records[0].error_type == "BadRequestError"
