"""The official SDK's shape on both clients: the same flows under the SDK's names."""

from __future__ import annotations

import functools
import inspect
from typing import Any, Dict, List

import pytest

from openai_accel import ChatChunk, ChatResponse, OpenAI
from openai_accel._ops import models as model_ops
from openai_accel._sdk_shape import SDK_ROWS, SdkRow, _resource_classes
from openai_accel.models.sdk import CreateEmbeddingResponse

from ..helpers import reply

MESSAGES = [{"role": "user", "content": "Hi"}]


def sdk(api: Any, path: str, **kwargs: Any) -> Any:
    """Call ``client.<path>(**kwargs)`` (awaited on the asyncio client)."""
    return api.run(lambda client: functools.reduce(getattr, path.split("."), client)(**kwargs))


def sdk_stream(api: Any, **kwargs: Any) -> List[ChatChunk]:
    create = api.client.chat.completions.create
    if not api.is_async:
        with create(stream=True, **kwargs) as stream:
            return list(stream)

    async def collect() -> List[ChatChunk]:
        stream = await create(stream=True, **kwargs)
        async with stream:
            return [chunk async for chunk in stream]

    return api.resolve(collect())  # type: ignore[no-any-return]


def test_chat_completions_create_reads_like_the_sdk(api):
    completion = sdk(api, "chat.completions.create", model="gpt-4o-mini", messages=MESSAGES)
    assert isinstance(completion, ChatResponse)
    assert completion.choices[0].message.content == "You said: Hi"
    assert completion.model_dump() == completion.to_dict() == completion.raw


def test_a_stream_yields_only_chunks_with_choices_like_the_sdk(api):
    chunks = sdk_stream(api, model="gpt-4o-mini", messages=MESSAGES)
    assert chunks and all(chunk.choices for chunk in chunks)
    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks)
    assert text == "You said: Hi"
    (metrics,) = api.client.recent_requests.values()
    assert metrics.input_tokens, "usage is still requested for the metrics"


def test_a_stream_keeps_the_usage_chunk_when_the_caller_asks(api):
    chunks = sdk_stream(
        api, model="gpt-4o-mini", messages=MESSAGES, stream_options={"include_usage": True}
    )
    assert chunks[-1].choices == [] and chunks[-1].usage.total_tokens > 0


def test_embeddings_create_returns_an_sdk_like_object(api, openai_emulator):
    reply = sdk(api, "embeddings.create", input=["a", "b"], model="text-embedding-3-small")
    assert isinstance(reply, CreateEmbeddingResponse)
    assert [item.index for item in reply.data] == [0, 1]
    assert len(reply.data[0].embedding) == 1536
    assert all(isinstance(x, float) for x in reply.data[1].embedding[:5])
    assert reply.model.startswith("text-embedding-3-small")
    assert reply.usage.prompt_tokens > 0
    dumped = reply.model_dump()
    assert dumped["object"] == "list" and dumped["data"][1]["embedding"] == reply.data[1].embedding
    assert openai_emulator.requests[-1].json["encoding_format"] == "base64"
    assert reply.rate_limits.limit_tokens is not None


def test_moderations_images_and_models(api):
    moderation = sdk(api, "moderations.create", input="I love kittens")
    assert moderation.results[0].flagged is False
    image = sdk(api, "images.generate", prompt="a cat", model="dall-e-2", size="256x256")
    assert image.data[0].url
    page = sdk(api, "models.list")
    assert page.data and page.data[0].id and list(page) == page.data


def test_audio_speech_transcriptions_and_translations(api):
    speech = sdk(api, "audio.speech.create", model="tts-1", voice="alloy", input="Hello world")
    assert speech.content[:3] == b"ID3" or speech.content[:2] == b"\xff\xf3"
    transcript = sdk(
        api, "audio.transcriptions.create", model="whisper-1", file=("hello.mp3", speech.content)
    )
    assert transcript.text.lower().startswith("hello")
    translation = sdk(
        api, "audio.translations.create", model="whisper-1", file=("hello.mp3", speech.content)
    )
    assert translation.text
    text = sdk(
        api,
        "audio.transcriptions.create",
        model="whisper-1",
        file=("hello.mp3", speech.content),
        response_format="text",
    )
    assert isinstance(text, str)


SAME_REQUEST = [
    (
        "chat.completions.create",
        {"model": "gpt-4o", "messages": MESSAGES, "temperature": 0.5, "max_tokens": 9},
        "chat",
        (MESSAGES,),
        {"model": "gpt-4o", "temperature": 0.5, "max_tokens": 9},
    ),
    (
        "embeddings.create",
        {"input": "x", "model": "text-embedding-3-small", "dimensions": 8},
        "embedding",
        ("x",),
        {"model": "text-embedding-3-small", "dimensions": 8},
    ),
    ("moderations.create", {"input": "x"}, "moderation", ("x",), {}),
    ("images.generate", {"prompt": "a", "n": 1}, "text_to_image", ("a",), {"n": 1}),
    (
        "audio.speech.create",
        {"input": "Hi", "voice": "nova", "model": "tts-1", "speed": 1.5},
        "text_to_speech",
        ("Hi",),
        {"voice": "nova", "model": "tts-1", "speed": 1.5},
    ),
]


@pytest.mark.parametrize("path, sdk_kwargs, method, args, kwargs", SAME_REQUEST)
def test_an_sdk_call_sends_exactly_what_the_library_call_sends(
    api, openai_emulator, path, sdk_kwargs, method, args, kwargs
):
    sdk(api, path, **sdk_kwargs)
    api.call(method, *args, **kwargs)
    via_sdk, via_library = openai_emulator.requests
    assert (via_sdk.path, via_sdk.json) == (via_library.path, via_library.json)


def test_every_row_is_reachable_on_both_clients(api):
    for row in SDK_ROWS:
        member = functools.reduce(getattr, row.path.split("."), api.client)
        assert callable(member), row.path


def test_the_library_methods_are_unchanged(api):
    assert api.call("chat", "Hi").content == "You said: Hi"
    assert inspect.signature(OpenAI.chat).parameters["messages"]


@pytest.mark.parametrize(
    "path, kwargs, message",
    [
        ("chat.completions.create", {"model": "gpt-4o"}, "missing required keyword argument"),
        ("embeddings.create", {"model": "m"}, "'input'"),
        ("images.generate", {"prompt": "a", "stream": True}, "stream=True"),
    ],
)
def test_missing_or_unsupported_arguments_are_type_errors(
    api, openai_emulator, path, kwargs, message
):
    with pytest.raises(TypeError, match=message):
        sdk(api, path, **kwargs)
    assert openai_emulator.requests == []


def test_sdk_methods_take_keywords_only(api):
    with pytest.raises(TypeError):
        api.client.embeddings.create("text")


def test_sdk_validation_errors_are_the_librarys(api):
    from openai_accel import BadRequestError

    with pytest.raises(BadRequestError, match="empty"):
        sdk(api, "embeddings.create", input="", model="text-embedding-3-small")


def test_namespaces_are_made_once_per_client(api):
    assert api.client.chat is api.client.chat
    assert api.client.audio.speech.create.__name__ == "create"
    kind = type(api.client).__name__
    assert repr(api.client.chat.completions) == f"<Completions of {kind}>"


def _signature_names(obj: Any) -> Dict[str, Any]:
    return dict(inspect.signature(obj).parameters)


def test_sdk_methods_document_their_arguments():
    from openai_accel._sdk_shape import RESOURCES

    create = RESOURCES["chat.completions"].__dict__["create"]
    assert list(_signature_names(create)) == ["self", "messages", "stream", "kwargs"]
    assert "chat" in (create.__doc__ or "")


def test_a_bound_sdk_method_shows_its_keywords(api):
    names = list(_signature_names(api.client.embeddings.create))
    assert names == ["input", "kwargs"]


def test_a_new_row_is_all_a_new_sdk_method_needs(make_mock_api):
    """What the lead does for responses.create / files.list: one row (plus one namespace)."""
    rows = (SdkRow("files.list", model_ops.list_models, result=len),)
    classes = _resource_classes(rows)
    assert set(classes) == {"files"} and classes["files"].__name__ == "Files"
    listing = {"object": "list", "data": [{"id": "m", "created": 1, "owned_by": "o"}]}
    api = make_mock_api(lambda req: reply(200, listing))
    files = classes["files"](api.client)
    assert api.resolve(files.list()) == 1


# -- responses, files and batches (rows added once those calls existed) -------


def test_responses_create_runs_respond(api):
    response = sdk(api, "responses.create", model="gpt-4o-mini", input="Hi")
    assert response.output_text == api.call("respond", "Hi").output_text
    assert response.model_dump() == response.raw


def test_responses_create_streams_events(api):
    create = api.client.responses.create
    if not api.is_async:
        with create(model="gpt-4o-mini", input="Hi", stream=True) as stream:
            types = [event.type for event in stream]
    else:

        async def collect():
            stream = await create(model="gpt-4o-mini", input="Hi", stream=True)
            async with stream:
                return [event.type async for event in stream]

        types = api.resolve(collect())
    assert types[0] == "response.created" and types[-1] == "response.completed"


def _listed(api, listing):
    if not api.is_async:
        return list(listing)

    async def collect():
        return [item async for item in listing]

    return api.resolve(collect())


def test_files_create_retrieve_list_content_delete(api, tmp_path):
    path = tmp_path / "requests.jsonl"
    path.write_bytes(b'{"custom_id": "a"}\n')
    created = sdk(api, "files.create", file=path.open("rb"), purpose="batch")
    assert api.resolve(api.client.files.retrieve(created.id)).id == created.id
    assert [f.id for f in _listed(api, api.client.files.list())] == [created.id]
    content = api.resolve(api.client.files.content(created.id))
    assert content.read() == content.content == b'{"custom_id": "a"}\n'
    assert api.resolve(api.client.files.delete(file_id=created.id)).deleted is True


def test_an_async_listing_can_be_awaited_like_the_sdks(client_kind, make_api):
    if client_kind != "async":
        pytest.skip("awaiting a listing is the asyncio client's form")
    api = make_api()

    async def collect():
        listing = await api.client.files.list()
        return [f async for f in listing]

    assert api.resolve(collect()) == []


def test_batches_create_retrieve_cancel_list(api, openai_emulator):
    openai_emulator.batches.validating_seconds = 30  # still cancellable when cancelled
    upload = api.call(
        "upload_file",
        b'{"custom_id":"a","method":"POST","url":"/v1/chat/completions",'
        b'"body":{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hi"}]}}\n',
        purpose="batch",
        filename="in.jsonl",
    )
    batch = sdk(
        api,
        "batches.create",
        input_file_id=upload.id,
        endpoint="/v1/chat/completions",
        completion_window="24h",
    )
    assert api.resolve(api.client.batches.retrieve(batch.id)).id == batch.id
    assert [b.id for b in _listed(api, api.client.batches.list())] == [batch.id]
    assert api.resolve(api.client.batches.cancel(batch.id)).id == batch.id


def test_ids_may_be_positional_but_create_is_keyword_only(api):
    with pytest.raises(TypeError, match="keyword arguments only"):
        api.client.files.create(b"x")
    with pytest.raises(TypeError, match="multiple values"):
        api.client.files.retrieve("file-1", file_id="file-2")
