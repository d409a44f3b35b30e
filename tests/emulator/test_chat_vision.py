"""The emulator refuses image input for text-only chat models, as the API does (issue 14)."""

from __future__ import annotations

import pytest

from openai_accel.testing import _chat
from openai_accel.testing import _errors as err

IMAGE_MESSAGE = {
    "role": "user",
    "content": [
        {"type": "text", "text": "What is this?"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
    ],
}


@pytest.mark.parametrize("model", ["gpt-3.5-turbo", "gpt-3.5-turbo-0125", "gpt-4", "o3-mini"])
def test_a_text_only_model_refuses_image_input(model):
    with pytest.raises(err.ApiError) as info:
        _chat.validate({"model": model, "messages": [IMAGE_MESSAGE]})
    error = info.value
    assert error.status == 400
    body = error.body()["error"]
    assert body["type"] == "invalid_request_error"
    assert body["param"] == "messages.[0].content.[1].type"
    assert "image_url is only supported by certain models" in body["message"]


@pytest.mark.parametrize("model", ["gpt-4o", "gpt-4o-mini", "gpt-4-turbo", "gpt-5"])
def test_a_vision_model_accepts_image_input(model):
    _chat.validate({"model": model, "messages": [IMAGE_MESSAGE]})


def test_both_clients_get_a_typed_400(api):
    from openai_accel import BadRequestError

    with pytest.raises(BadRequestError) as info:
        api.call("chat", [IMAGE_MESSAGE], model="gpt-3.5-turbo")
    assert info.value.param == "messages.[0].content.[1].type"
    assert api.call("chat", [IMAGE_MESSAGE], model="gpt-4o-mini").content
