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

Most documents take a faster road to the same values (:meth:`FieldExtractor.read_typed`): ``msgspec`` decodes
the text straight into typed structs that declare only the wanted keys, so the keys nobody reads (most of a
2 KB Elastic Defend document) are skipped in C instead of becoming Python dicts and strings. Any document that
road might read differently from the one above (a dotted key, a sub-object of the wrong type, ``NaN``, a lone
surrogate, an integer beyond 64 bits, anything msgspec refuses) takes the road above instead.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, cast

import msgspec
import orjson

from codesign_prevalence.schema import REASON_NOT_JSON, REASON_NOT_OBJECT


class FieldExtractor:
    """Reads the fields ``columns`` (column name -> dotted ECS name) out of JSON text.

    Most documents spell every field nested; for them one walk down a tree of the wanted keys does it, over
    typed structs when msgspec could decode the text into them (:meth:`read_typed`), else over the parsed
    document. A document whose text holds a key with a dot in it (or an escaped dot) takes the general walk
    over its keys, which ranks the spellings.

    ``document_keys`` are top-level keys whose mere presence means the caller needs the parsed document
    itself (another source's shape): :meth:`read_typed` declines those documents.
    """

    def __init__(self, columns: Mapping[str, str], document_keys: Iterable[str] = ()) -> None:
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
        self._typed = _TypedDecoder(self._tree, {*self._index, *self._prefixes}, tuple(document_keys))

    def extract(self, text: str | None) -> tuple[list[str | None], str | None, bool]:
        """(one text value per column, the parse error or None, whether the line is blank)."""
        if text is None or text.strip(" ") == "":
            return [None] * len(self.names), None, True
        values = self.read_typed(text)
        if values is not None:
            return values, None, False
        document, error = load_document(text)
        if error is not None:
            return [None] * len(self.names), error, False
        return self.walk(document, text), None, False  # type: ignore[arg-type]

    def read_typed(self, text: str) -> list[str | None] | None:
        """One text value per column of a JSON object whose wanted keys are all nested, decoded by msgspec into
        typed structs; None when the text must be parsed and walked instead (:meth:`walk`): a dotted spelling
        of a wanted field, a document msgspec refuses or might read differently, one with a
        ``document_keys`` key (see :class:`_TypedDecoder`)."""
        return self._typed.values(text, len(self.names))

    def walk(self, document: dict[str, Any], text: str = "") -> list[str | None]:
        """One text value per column of a parsed JSON object (``text``, its source, picks the fast walk;
        without it the general walk runs, which gives the same values)."""
        values: list[str | None] = [None] * len(self.names)
        if text and _nested_only(text):
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


# A key holding a dot (``"process.pid":``): maybe a dotted spelling, which only the general walk ranks.
_DOTTED_KEY = re.compile(r'\.[^"\\]*"\s*:')


def _nested_only(text: str) -> bool:
    """Whether the document's keys surely hold no dot: then the walk down the tree of wanted keys suffices.

    The pattern stops at a backslash, so a ``\\u`` escape anywhere sends the document to the general walk:
    it may spell a dot, or a character of a wanted key after a dot (``process.p\\u0069d``). The other escapes
    (quote, backslash, slash, control characters) spell nothing a wanted key holds.
    """
    return "\\u" not in text and _DOTTED_KEY.search(text) is None


def _walk_nested(node: dict[str, Any], tree: dict[str, Any], values: list[str | None]) -> None:
    """Fill ``values`` from the parsed document ``node`` down ``tree`` (key -> column position, or the tree
    under that key). The typed road walks its structs the same way, by :func:`_compiled_walk`."""
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


class _NotAsParsed(Exception):
    """A value that msgspec decoded differently from orjson: the document takes the parsed road."""


class _Declined:
    """The type of a struct field no JSON value decodes to: its key's presence, with any value (even null),
    fails the decode (:func:`_decline`), and the document takes the parsed road."""


def _decline(kind: type, value: object) -> object:
    raise ValueError(f"{kind.__name__}: this key needs the parsed document")


class _TypedDecoder:
    """msgspec's JSON decoder into structs generated from the tree of wanted keys (:class:`FieldExtractor`).

    Each sub-tree becomes a struct with one field per wanted key: a leaf is ``Any`` (any JSON value, read as
    text like the parsed road does), a sub-tree the struct of that sub-tree or null. Keys nobody wants are
    skipped while decoding. The decode fails, and the document takes the parsed road, for:

    - a key with a dot that spells a wanted field or a prefix of one from where it stands (``process.pid`` at
      the top, ``code_signature.status`` inside ``process``; msgspec unescapes keys first, so an escaped dot
      is seen too): only the general walk ranks spellings. Dotted keys that spell nothing wanted are skipped
      like any unknown key, as the general walk ignores them;
    - a ``document_keys`` key at the top;
    - a sub-object of another type (``"process": "x"``);
    - anything msgspec refuses: ``NaN``, lone surrogates, nesting deeper than Python's recursion limit.
    """

    def __init__(self, tree: dict[str, Any], spelled: set[str], document_keys: tuple[str, ...]) -> None:
        declined = {*(key for key in spelled if "." in key), *document_keys}
        document_type, self._tree = _struct_of(tree, "Document", "", spelled, declined)
        self._decoder = msgspec.json.Decoder(document_type, dec_hook=_decline)
        self._walk = _compiled_walk(self._tree)

    def values(self, text: str, width: int) -> list[str | None] | None:
        try:
            document = self._decoder.decode(text)
        except (ValueError, RecursionError):  # msgspec's errors, and UnicodeEncodeError, are ValueErrors
            return None
        values: list[str | None] = [None] * width
        try:
            self._walk(document, values)
        except _NotAsParsed:
            return None
        return values


def _compiled_walk(tree: dict[str, Any]) -> Callable[[Any, list[str | None]], None]:
    """:func:`_walk_nested` over the structs of ``tree`` (attribute -> column position, or the tree of the
    struct under that attribute), unrolled into one generated function: no recursion, no loop over the tree,
    an attribute read instead of a ``getattr`` call per wanted key (about 4 us per line less). Its source is
    made of the structs' own attribute names (``f0``, ``f1``, ...) and column positions, never of input text.
    """
    lines = ["def walk(node0, values):"]
    nodes = iter(range(1, 1 << 30))

    def emit(subtree: dict[str, Any], node: str, indent: str) -> None:
        lines.append(f"{indent}pass")
        for attribute, wanted in subtree.items():
            if not attribute.isidentifier():
                raise ValueError(f"not a struct attribute: {attribute!r}")
            if type(wanted) is int:
                lines.extend(
                    [
                        f"{indent}value = {node}.{attribute}",
                        f"{indent}if value is not None:",
                        f"{indent}    if type(value) is str:",
                        f"{indent}        if value:",
                        f"{indent}            values[{wanted:d}] = value",
                        f"{indent}    else:",
                        f"{indent}        values[{wanted:d}] = as_text(value)",
                    ]
                )
            else:
                child = f"node{next(nodes)}"
                lines.extend([f"{indent}{child} = {node}.{attribute}", f"{indent}if {child} is not None:"])
                emit(wanted, child, indent + "    ")

    emit(tree, "node0", "    ")
    namespace: dict[str, Any] = {"as_text": _decoded_as_text}
    exec(compile("\n".join(lines), "<typed walk>", "exec"), namespace)  # generated from the tree: see above
    return cast(Callable[[Any, list[str | None]], None], namespace["walk"])


def _struct_of(
    tree: dict[str, Any], name: str, path: str, spelled: set[str], declined: set[str]
) -> tuple[type[msgspec.Struct], dict[str, Any]]:
    """(a struct type for the keys of ``tree``, the same tree keyed by the struct's attribute names).

    ``path`` is where the struct stands (``process.``); ``spelled`` every wanted field and prefix, dotted;
    ``declined`` the keys of this struct that send a document to the parsed road. JSON keys are not always
    identifiers (``@timestamp``, ``File Name``): attributes are ``f0``, ``f1``, ... renamed to the keys.
    """
    fields: list[tuple[str, Any, Any]] = []
    renamed: dict[str, str] = {}
    by_attribute: dict[str, Any] = {}
    for index, (key, wanted) in enumerate(tree.items()):
        attribute = f"f{index}"
        renamed[attribute] = key
        if type(wanted) is int:
            fields.append((attribute, Any, None))
            by_attribute[attribute] = wanted
        else:
            inner = path + key + "."
            below = {whole[len(inner) :] for whole in spelled if whole.startswith(inner)}
            child, child_tree = _struct_of(wanted, f"{name}_{index}", inner, spelled, {k for k in below if "." in k})
            fields.append((attribute, child | None, None))
            by_attribute[attribute] = child_tree
    for index, key in enumerate(sorted(declined)):
        fields.append((f"d{index}", _Declined, None))
        renamed[f"d{index}"] = key
    struct = msgspec.defstruct(name, fields, rename=renamed, gc=False)
    return struct, by_attribute


_INT64_MIN = -(1 << 63)
_UINT64_END = 1 << 64


def _decoded_as_text(value: object) -> str | None:
    """:func:`_as_text` of a value msgspec decoded, which must be the text of the value orjson would have
    decoded: orjson reads an integer beyond 64 bits as a float (msgspec keeps it exact), so such a value,
    alone or inside an array or object (which ``orjson.dumps`` then refuses), raises :class:`_NotAsParsed`."""
    kind = type(value)
    if kind is int and not _INT64_MIN <= value < _UINT64_END:  # type: ignore[operator]
        raise _NotAsParsed
    if kind is list or kind is dict:
        try:
            return orjson.dumps(value).decode()
        except (TypeError, orjson.JSONEncodeError) as exc:
            raise _NotAsParsed from exc
    return _as_text(value)


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
