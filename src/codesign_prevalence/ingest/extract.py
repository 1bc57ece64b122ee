"""JSON lines -> the text of each ECS field the ingest reads, in Python on the executors.

Parsing 2 KB Elastic Defend documents with Spark's ``from_json`` over a schema holding every spelling of
every field cost more than everything else in the ingest put together; ``orjson`` plus one walk over the
few sub-objects we need is several times cheaper, and keeps the same contract:

- every field is read as text, whatever its JSON type: strings as they are, ``true``/``false``, integers
  in decimal, other numbers and objects/arrays as their compact JSON text; an empty string is missing;
- a field may be spelled nested (``{"process": {"pid": 1}}``), dotted (``{"process.pid": 1}``) or mixed
  (``{"process": {"code_signature.status": ...}}``); when a document has several spellings with a value,
  the most nested one wins;
- a sub-object of the wrong type (``"process": "x"``) only hides the fields under it;
- a line that is not JSON is ``not_json``; valid JSON that is not an object (an array, ``null``, a number)
  is ``not_object``.

Documents that ``orjson`` refuses but Python's own parser accepts (``NaN``, lone surrogate escapes) are read
with the latter; text that cannot be encoded as UTF-8 has the offending characters replaced by U+FFFD.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import orjson

from codesign_prevalence.schema import REASON_NOT_JSON, REASON_NOT_OBJECT


class FieldExtractor:
    """Reads the fields ``columns`` (column name -> dotted ECS name) out of JSON text.

    Most documents spell every field nested; for them one walk down a tree of the wanted keys does it. A
    document whose text holds a key with a dot in it (or an escaped dot) takes the general walk over its
    keys, which ranks the spellings.
    """

    def __init__(self, columns: Mapping[str, str]) -> None:
        self.names = list(columns)
        self._index = {dotted: position for position, dotted in enumerate(columns.values())}
        self._prefixes = {
            ".".join(dotted.split(".")[:cut]) for dotted in columns.values() for cut in range(1, dotted.count(".") + 1)
        }
        self._tree: dict[str, Any] = {}
        for position, dotted in enumerate(columns.values()):
            node = self._tree
            *parents, leaf = dotted.split(".")
            for key in parents:
                node = node.setdefault(key, {})
            node[leaf] = position
        # A key holding a dot (``"process.pid":``), or an escaped dot anywhere: maybe a dotted spelling.
        self._dotted_key = re.compile(r'\.[^"\\]*"\s*:')

    def extract(self, text: str | None) -> tuple[list[str | None], str | None, bool]:
        """(one text value per column, the parse error or None, whether the line is blank)."""
        if text is None or text.strip(" ") == "":
            return [None] * len(self.names), None, True
        document, error = load_document(text)
        if error is not None:
            return [None] * len(self.names), error, False
        return self.walk(document, text), None, False  # type: ignore[arg-type]

    def walk(self, document: dict[str, Any], text: str = "") -> list[str | None]:
        """One text value per column of a parsed JSON object (``text``, its source, picks the fast walk;
        without it the general walk runs, which gives the same values)."""
        values: list[str | None] = [None] * len(self.names)
        if text and "\\u002" not in text and self._dotted_key.search(text) is None:
            _walk_nested(document, self._tree, values)
        else:
            self._walk(document, "", 1, values, [0] * len(self.names))
        return values

    def _walk(self, node: dict[str, Any], prefix: str, depth: int, values: list[str | None], depths: list[int]) -> None:
        index, prefixes = self._index, self._prefixes
        for key, value in node.items():
            path = prefix + key
            position = index.get(path)
            if position is not None:
                if depth > depths[position]:
                    text = _as_text(value)
                    if text is not None:
                        values[position] = text
                        depths[position] = depth
            elif path in prefixes and type(value) is dict:
                self._walk(value, path + ".", depth + 1, values, depths)


def _walk_nested(node: dict[str, Any], tree: dict[str, Any], values: list[str | None]) -> None:
    for key, wanted in tree.items():
        value = node.get(key)
        if value is None:
            continue
        if type(wanted) is int:
            if type(value) is str:
                if value:
                    values[wanted] = value
            else:
                values[wanted] = _as_text(value)
        elif type(value) is dict:
            _walk_nested(value, wanted, values)


_NOT_JSON = object()
_SURROGATE = re.compile("[\ud800-\udfff]")


def load_document(text: str) -> tuple[object, str | None]:
    """(the parsed JSON object, None), or (None, ``not_json``/``not_an_object``)."""
    document = _loads(text)
    if document is _NOT_JSON:
        return None, REASON_NOT_JSON
    if type(document) is not dict:
        return None, REASON_NOT_OBJECT
    return document, None


def _loads(text: str) -> object:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        pass
    try:  # NaN/Infinity, lone surrogates: Python's parser is more lenient, like Spark's
        return _utf8_safe(json.loads(text))
    except (ValueError, RecursionError):
        return _NOT_JSON


def _utf8_safe(value: Any) -> Any:
    """``value`` with every string made encodable as UTF-8 (lone surrogates become U+FFFD)."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_utf8_safe(key): _utf8_safe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_utf8_safe(item) for item in value]
    return value


def _as_text(value: object) -> str | None:
    kind = type(value)
    if kind is str:
        return value or None  # type: ignore[return-value]
    if value is None:
        return None
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if kind is float:
        return json.dumps(value)  # 1.5, 1e+20, NaN (orjson would write null)
    try:
        return orjson.dumps(value).decode()
    except (TypeError, orjson.JSONEncodeError):  # NaN inside, integers beyond 64 bits
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
