"""Deterministic values that satisfy a JSON schema, taken from the user's words.

Tool calls and ``json_schema`` answers must parse and validate, or the code
under test fails for the emulator's sake rather than its own. Values are
chosen so tests can predict them:

* ``default``, then ``const``, then ``enum`` (the first member the user's
  message mentions, else the first member) win over everything else;
* objects get their ``required`` properties only, arrays ``max(1, minItems)``
  items, ``$ref`` to ``#/$defs/...`` or ``#/definitions/...`` is followed,
  ``anyOf``/``oneOf`` take the first non-null branch, ``allOf`` is merged;
* numbers are the first number written in the message, else 1 (clamped to
  ``minimum``/``maximum``, rounded up to ``multipleOf``); booleans are true;
* strings depend on the property name: place-like names (``location``,
  ``city``, ``country``...) get a capitalised phrase of the message
  ("Seattle", "San Francisco"), query-like names (``query``, ``text``...) the
  message itself, name-like ones a capitalised phrase or a content word;
  ``format`` (date, date-time, email, uri, uuid...) gets a fixed valid value;
  ``minLength``/``maxLength`` are honoured; ``pattern`` is not.
"""

from __future__ import annotations

import math
import re
from typing import Any, Dict, List, Mapping, Optional, Tuple

from ._wire import wordset

STOPWORDS = wordset(
    """
    a an the and or but of in on at to for from by with about into over under is are was
    were be been being am do does did done have has had having i me my mine we us our you
    your he him his she her it its they them their this that these those what what's whats
    which who whom whose when where why how can could would should will shall may might must
    please tell give show get set let make find say said also just not no yes so if then
    than too very there here today now some any all each every both either neither one two
    same such own let's lets i'm im it's hi hello thanks thank
    """
)

PLACE_NAMES = wordset(
    """
    location city place country town region state destination origin address area where
    venue capital
    """
)
QUERY_NAMES = wordset(
    """
    query q text prompt message question search input content topic keywords keyword
    statement sentence request
    """
)
PERSON_NAMES = wordset(
    """
    name person user username title author recipient who
    """
)

_FORMAT_VALUES = {
    "date": "2024-01-01",
    "date-time": "2024-01-01T12:00:00Z",
    "time": "12:00:00",
    "email": "user@example.com",
    "idn-email": "user@example.com",
    "uri": "https://example.com",
    "url": "https://example.com",
    "iri": "https://example.com",
    "uri-reference": "https://example.com",
    "hostname": "example.com",
    "ipv4": "127.0.0.1",
    "ipv6": "::1",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "duration": "PT1H",
}

_WORD_RE = re.compile(r"[A-Za-z][A-Za-z'\u2019]*|\d+(?:\.\d+)?")
_NUMBER_RE = re.compile(r"-?\d+(?:\.\d+)?")
_CAMEL_RE = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def words_of(text: str) -> List[str]:
    """Lower-case content words (stopwords dropped, simple plural folding)."""
    result = []
    for word in re.split(r"[^A-Za-z0-9']+", _CAMEL_RE.sub(" ", text)):
        word = word.lower().strip("'")
        if len(word) < 3 or word in STOPWORDS:
            continue
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        result.append(word)
    return result


def entities_of(text: str) -> List[str]:
    """Capitalised phrases ("San Francisco"): the emulator's guess at the names in a message.

    Stopwords never count. A lone capitalised word opening a sentence ("Forecast
    for Paris") is most likely just a verb, so it only counts when the message
    names nothing else ("Paris weather?").
    """
    found: List[Tuple[str, bool]] = []  # (phrase, weak)
    current: List[str] = []
    opened_sentence = False
    sentence_start = True

    def flush() -> None:
        if current:
            found.append((" ".join(current), opened_sentence and len(current) == 1))
            current.clear()

    for match in re.finditer(r"\S+", text):
        raw = match.group(0)
        word = raw.strip("\"'()[]{},.;:!?\u2019\u2018\u201c\u201d")
        lowered = word.lower().replace("\u2019", "'")
        capital = bool(word) and word[0].isupper() and lowered not in STOPWORDS
        if capital and lowered.rstrip("s").rstrip("'") in STOPWORDS:
            capital = False  # "What's", "Its"
        if capital:
            if not current:
                opened_sentence = sentence_start
            current.append(word)
        else:
            flush()
        if raw[-1:] in ",.;:!?":
            flush()
        sentence_start = raw[-1:] in ".!?"
    flush()
    strong = [phrase for phrase, weak in found if not weak]
    chosen = strong or [phrase for phrase, _ in found]
    unique: List[str] = []
    for phrase in chosen:
        if phrase not in unique:
            unique.append(phrase)
    return unique


class SchemaContext:
    """What values are drawn from: the user's message, and a per-call entity."""

    def __init__(self, text: str, entity: Optional[str] = None) -> None:
        self.text = text.strip()
        self.entities = entities_of(text)
        self.numbers = _NUMBER_RE.findall(text)
        self.words: List[str] = [w for w in _WORD_RE.findall(text) if w.lower() not in STOPWORDS]
        self.entity = entity

    def place(self) -> str:
        if self.entity:
            return self.entity
        if self.entities:
            return self.entities[0]
        return self.word() if self.words else "San Francisco"

    def word(self) -> str:
        if not self.words:
            return "example"
        return max(self.words, key=len)


def _resolve(schema: Any, root: Mapping[str, Any]) -> Dict[str, Any]:
    seen = 0
    while isinstance(schema, Mapping) and "$ref" in schema and seen < 32:
        ref = str(schema["$ref"])
        target: Any = root
        if not ref.startswith("#"):
            return {}
        for part in ref.lstrip("#").strip("/").split("/"):
            if not part:
                continue
            part = part.replace("~1", "/").replace("~0", "~")
            target = target.get(part, {}) if isinstance(target, Mapping) else {}
        schema = target
        seen += 1
    return dict(schema) if isinstance(schema, Mapping) else {}


def _merge_all_of(schema: Dict[str, Any], root: Mapping[str, Any]) -> Dict[str, Any]:
    merged = {k: v for k, v in schema.items() if k != "allOf"}
    for part in schema.get("allOf", []):
        sub = _resolve(part, root)
        if "allOf" in sub:
            sub = _merge_all_of(sub, root)
        props = dict(merged.get("properties", {}))
        props.update(sub.get("properties", {}))
        required = list(merged.get("required", [])) + list(sub.get("required", []))
        merged.update({k: v for k, v in sub.items() if k not in ("properties", "required")})
        if props:
            merged["properties"] = props
        if required:
            merged["required"] = required
    return merged


def _type_of(schema: Mapping[str, Any]) -> str:
    declared = schema.get("type")
    if isinstance(declared, list):
        non_null = [t for t in declared if t != "null"]
        declared = non_null[0] if non_null else "null"
    if isinstance(declared, str):
        return declared
    if "properties" in schema:
        return "object"
    if "items" in schema:
        return "array"
    return "string"


def _number(schema: Mapping[str, Any], ctx: SchemaContext, integer: bool) -> Any:
    value: float = float(ctx.numbers[0]) if ctx.numbers else 1.0
    minimum = schema.get("minimum")
    maximum = schema.get("maximum")
    ex_min = schema.get("exclusiveMinimum")
    ex_max = schema.get("exclusiveMaximum")
    step = 1.0 if integer else 0.5
    if isinstance(minimum, (int, float)) and value < minimum:
        value = float(minimum)
    if isinstance(ex_min, (int, float)) and not isinstance(ex_min, bool) and value <= ex_min:
        value = float(ex_min) + step
    if isinstance(maximum, (int, float)) and value > maximum:
        value = float(maximum)
    if isinstance(ex_max, (int, float)) and not isinstance(ex_max, bool) and value >= ex_max:
        value = float(ex_max) - step
    multiple = schema.get("multipleOf")
    if isinstance(multiple, (int, float)) and multiple > 0:
        value = math.ceil(value / multiple) * multiple
        if isinstance(maximum, (int, float)) and value > maximum:
            value -= multiple
    if integer:
        return math.ceil(value)
    return value


def _string(schema: Mapping[str, Any], ctx: SchemaContext, name: str) -> str:
    fmt = schema.get("format")
    if isinstance(fmt, str) and fmt in _FORMAT_VALUES:
        return _FORMAT_VALUES[fmt]
    parts = set(re.split(r"[_\-\s]+", _CAMEL_RE.sub("_", name).lower()))
    if parts & PLACE_NAMES:
        value = ctx.place()
    elif parts & QUERY_NAMES:
        value = ctx.text or ctx.word()
    elif parts & PERSON_NAMES:
        value = ctx.entity or (ctx.entities[0] if ctx.entities else ctx.word())
    elif "unit" in parts or "units" in parts:
        value = "fahrenheit" if "fahrenheit" in ctx.text.lower() else "celsius"
    elif parts & {"date", "day"}:
        value = "2024-01-01"
    elif parts & {"language", "lang", "locale"}:
        value = "en"
    elif parts & {"id", "identifier", "key"}:
        value = "id_1"
    else:
        value = ctx.entity or (ctx.entities[0] if ctx.entities else ctx.word())
    max_len = schema.get("maxLength")
    min_len = schema.get("minLength")
    if isinstance(max_len, int) and len(value) > max_len:
        value = value[:max_len]
    if isinstance(min_len, int) and len(value) < min_len:
        value = value + "x" * (min_len - len(value))
    return value


def _enum_choice(values: List[Any], ctx: SchemaContext) -> Any:
    lowered = ctx.text.lower()
    for value in values:
        if (
            isinstance(value, str)
            and value
            and re.search(r"\b" + re.escape(value.lower()) + r"\b", lowered)
        ):
            return value
    return values[0]


def instance_for(
    schema: Any,
    ctx: SchemaContext,
    *,
    root: Optional[Mapping[str, Any]] = None,
    name: str = "",
    depth: int = 0,
) -> Any:
    """A value valid against ``schema`` (for the schema features listed in the module doc)."""
    root = root if root is not None else (schema if isinstance(schema, Mapping) else {})
    spec = _resolve(schema, root)
    if "allOf" in spec:
        spec = _merge_all_of(spec, root)
    if "default" in spec:
        return spec["default"]
    if "const" in spec:
        return spec["const"]
    enum = spec.get("enum")
    if isinstance(enum, list) and enum:
        return _enum_choice(enum, ctx)
    for key in ("anyOf", "oneOf"):
        branches = spec.get(key)
        if isinstance(branches, list) and branches:
            resolved = [_resolve(b, root) for b in branches]
            chosen = next((b for b in resolved if b.get("type") != "null"), resolved[0])
            merged = {k: v for k, v in spec.items() if k not in ("anyOf", "oneOf")}
            merged.update(chosen)
            return instance_for(merged, ctx, root=root, name=name, depth=depth + 1)
    kind = _type_of(spec)
    if depth > 12:
        return (
            None if kind == "null" else ({} if kind == "object" else [] if kind == "array" else "x")
        )
    if kind == "object":
        properties = spec.get("properties") or {}
        required = spec.get("required") or []
        value: Dict[str, Any] = {}
        for prop in required:
            sub = properties.get(prop, {})
            value[prop] = instance_for(sub, ctx, root=root, name=prop, depth=depth + 1)
        min_props = spec.get("minProperties")
        if isinstance(min_props, int):
            for prop, sub in properties.items():
                if len(value) >= min_props:
                    break
                if prop not in value:
                    value[prop] = instance_for(sub, ctx, root=root, name=prop, depth=depth + 1)
        return value
    if kind == "array":
        items = spec.get("items", {})
        min_items = spec.get("minItems")
        max_items = spec.get("maxItems")
        count = max(1, min_items if isinstance(min_items, int) else 0)
        if isinstance(max_items, int):
            count = min(count, max_items)
        prefix = spec.get("prefixItems")
        result: List[Any] = []
        for index in range(count):
            item_schema = (
                prefix[index] if isinstance(prefix, list) and index < len(prefix) else items
            )
            item = instance_for(item_schema, ctx, root=root, name=name, depth=depth + 1)
            if spec.get("uniqueItems") and item in result:
                item = _make_unique(item, index)
            result.append(item)
        return result
    if kind == "integer":
        return _number(spec, ctx, integer=True)
    if kind == "number":
        return _number(spec, ctx, integer=False)
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return _string(spec, ctx, name)


def _make_unique(item: Any, index: int) -> Any:
    if isinstance(item, bool):
        return not item
    if isinstance(item, (int, float)):
        return item + index
    if isinstance(item, str):
        return f"{item} {index + 1}"
    return item
