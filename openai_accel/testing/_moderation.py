"""``POST /v1/moderations``: keyword-driven verdicts in the API's exact shapes.

A category is flagged when the text contains one of its trigger words (a word
*starting* with a listed stem, so "killing" hits "kill") or phrases:

=========================  =====================================================
violence                   kill, murder, attack, stab, shoot, assault, massacre...
violence/graphic           gore, blood, dismember, mutilate, decapitate, corpse
harassment                 idiot, stupid, moron, loser, pathetic, worthless
harassment/threatening     a violence word aimed at a person ("kill you/them")
hate                       hate, racist, bigot, nazi, subhuman, inferior race
hate/threatening           a hate word together with a violence word
self-harm                  suicide, self-harm, kill myself, cut myself...
self-harm/intent           first-person self-harm ("I want to die", "kill myself")
self-harm/instructions     "how to" with a self-harm word
sexual                     sex, porn, nude, naked, erotic
sexual/minors              a sexual word together with child, minor, underage...
illicit                    drug, cocaine, heroin, methamphetamine, steal, hack...
illicit/violent            bomb, explosive, weapon, gun, firearm, grenade
=========================  =====================================================

Flagged categories score between 0.85 and 0.95, the others between 1e-6 and
1e-5 (the exact value comes from a hash of the text). A list of strings gets
one result each; a list of multimodal parts (text and ``image_url``) gets one
result for the whole, and then the image-capable categories list ``"image"``
in ``category_applied_input_types``. Legacy ``text-moderation-*`` models get
the older shape (no ``illicit*``, no applied input types).
"""

from __future__ import annotations

import random
import re
from typing import Any, Dict, List, Mapping, Tuple

from . import _errors as err
from ._catalog import MODERATION_MODELS
from ._wire import random_alnum, stable_hash

KNOWN_PARAMETERS = frozenset(("input", "model"))

OMNI_CATEGORIES = (
    "harassment",
    "harassment/threatening",
    "sexual",
    "hate",
    "hate/threatening",
    "illicit",
    "illicit/violent",
    "self-harm/intent",
    "self-harm/instructions",
    "self-harm",
    "sexual/minors",
    "violence",
    "violence/graphic",
)
LEGACY_CATEGORIES = (
    "sexual",
    "hate",
    "harassment",
    "self-harm",
    "sexual/minors",
    "hate/threatening",
    "violence/graphic",
    "self-harm/intent",
    "self-harm/instructions",
    "harassment/threatening",
    "violence",
)
IMAGE_CATEGORIES = frozenset(
    (
        "sexual",
        "self-harm/intent",
        "self-harm/instructions",
        "self-harm",
        "violence",
        "violence/graphic",
    )
)

_STEMS: Dict[str, Tuple[str, ...]] = {
    "violence": (
        "kill",
        "murder",
        "attack",
        "stab",
        "shoot",
        "assault",
        "massacre",
        "slaughter",
        "strangl",
        "behead",
        "torture",
    ),
    "violence/graphic": ("gore", "gory", "blood", "dismember", "mutilat", "decapitat", "corpse"),
    "harassment": ("idiot", "stupid", "moron", "loser", "pathetic", "worthless"),
    "hate": ("hate", "racist", "racism", "bigot", "nazi", "subhuman"),
    "self-harm": ("suicid", "self-harm", "selfharm"),
    "sexual": ("sex", "porn", "nude", "naked", "erotic"),
    "minors": ("child", "minor", "underage", "kid", "teen"),
    "illicit": (
        "drug",
        "cocaine",
        "heroin",
        "methamph",
        "steal",
        "hack",
        "launder",
        "counterfeit",
        "smuggl",
    ),
    "illicit/violent": ("bomb", "explosive", "weapon", "gun", "firearm", "grenade"),
}
_SELF_HARM_PHRASES = (
    "kill myself",
    "hurt myself",
    "cut myself",
    "end my life",
    "want to die",
    "harm myself",
)
_TARGETS = ("you", "him", "her", "them", "everyone", "people")


def _has_stem(words: List[str], stems: Tuple[str, ...]) -> bool:
    return any(word.startswith(stem) for word in words for stem in stems)


def categories_for(text: str) -> Dict[str, bool]:
    """Which omni categories a text triggers (the rule table in the module docstring)."""
    lowered = text.lower()
    words = re.findall(r"[a-z][a-z\-]*", lowered)
    hit = {name: False for name in OMNI_CATEGORIES}
    violent = _has_stem(words, _STEMS["violence"])
    self_harm_phrase = any(p in lowered for p in _SELF_HARM_PHRASES)
    self_harm = _has_stem(words, _STEMS["self-harm"]) or self_harm_phrase
    hit["violence"] = violent
    hit["violence/graphic"] = _has_stem(words, _STEMS["violence/graphic"])
    threat = violent and any(
        re.search(rf"\b{stem}\w*\s+(?:\w+\s+)?{target}\b", lowered)
        for stem in _STEMS["violence"]
        for target in _TARGETS
    )
    hit["harassment"] = _has_stem(words, _STEMS["harassment"]) or threat
    hit["harassment/threatening"] = threat
    hate = _has_stem(words, _STEMS["hate"])
    hit["hate"] = hate
    hit["hate/threatening"] = hate and violent
    hit["self-harm"] = self_harm
    hit["self-harm/intent"] = self_harm_phrase or (self_harm and " i " in f" {lowered} ")
    hit["self-harm/instructions"] = self_harm and "how to" in lowered
    sexual = _has_stem(words, _STEMS["sexual"])
    hit["sexual"] = sexual
    hit["sexual/minors"] = sexual and _has_stem(words, _STEMS["minors"])
    hit["illicit/violent"] = _has_stem(words, _STEMS["illicit/violent"])
    hit["illicit"] = _has_stem(words, _STEMS["illicit"]) or hit["illicit/violent"]
    if self_harm_phrase:  # "kill myself" is self-harm, not violence against others
        hit["violence"] = hit["violence"] and bool(re.search(r"\bkill\w*\s+(?!myself)\w+", lowered))
    return hit


def _score(text: str, category: str, flagged: bool) -> float:
    fraction = (stable_hash("moderation", category, text) % 10000) / 10000.0
    if flagged:
        return 0.85 + 0.1 * fraction
    return 1e-6 + 9e-6 * fraction


def _result(text: str, with_image: bool, legacy: bool) -> Dict[str, Any]:
    names = LEGACY_CATEGORIES if legacy else OMNI_CATEGORIES
    hits = categories_for(text)
    categories = {name: hits[name] for name in names}
    scores = {name: _score(text, name, hits[name]) for name in names}
    result: Dict[str, Any] = {
        "flagged": any(categories.values()),
        "categories": categories,
        "category_scores": scores,
    }
    if not legacy:
        result["category_applied_input_types"] = {
            name: ["text", "image"] if with_image and name in IMAGE_CATEGORIES else ["text"]
            for name in names
        }
    return result


def _items(raw: Any, legacy: bool) -> List[Tuple[str, bool]]:
    """(text, has_image) per result the request asks for."""
    if isinstance(raw, str):
        return [(raw, False)]
    if not isinstance(raw, list) or not raw:
        raise err.invalid_type("input", "a string or an array", raw)
    if all(isinstance(item, str) for item in raw):
        return [(item, False) for item in raw]
    texts: List[str] = []
    with_image = False
    for index, part in enumerate(raw):
        if not isinstance(part, Mapping):
            raise err.invalid_type(f"input[{index}]", "an object", part)
        kind = part.get("type")
        if kind == "text":
            texts.append(str(part.get("text", "")))
        elif kind == "image_url":
            if legacy:
                raise err.ApiError(
                    400,
                    "Image inputs are not supported by this model.",
                    param=f"input[{index}]",
                    code="invalid_value",
                )
            with_image = True
        else:
            raise err.invalid_value(f"input[{index}].type", kind, ("text", "image_url"))
    return [(" ".join(texts), with_image)]


def validate(body: Any) -> None:
    if not isinstance(body, Mapping):
        raise err.invalid_json()
    for key in body:
        if key not in KNOWN_PARAMETERS:
            raise err.unknown_parameter(key)
    if "input" not in body:
        raise err.missing_parameter("input")
    model = body.get("model", "omni-moderation-latest")
    if not isinstance(model, str) or model not in MODERATION_MODELS:
        raise err.model_not_found(str(model))
    _items(body["input"], model.startswith("text-moderation"))


def response_body(body: Mapping[str, Any], rng: random.Random) -> Dict[str, Any]:
    model = str(body.get("model") or "omni-moderation-latest")
    legacy = model.startswith("text-moderation")
    results = [_result(text, image, legacy) for text, image in _items(body["input"], legacy)]
    return {
        "id": "modr-" + random_alnum(rng, 29),
        "model": MODERATION_MODELS[model],
        "results": results,
    }
