"""Inputs on both sides of every constraint of a request-body schema, generated from the schema itself.

``schema_cases`` walks a schema (``$ref``, ``type``, ``required``, ``properties`` and
the ``additionalProperties`` they leave implicit, ``items``, ``minItems``, ``maxItems``)
and, for each constraint it meets, makes ``Case``s: named edits of a valid instance
that put it on one side of that constraint. Its boundary cases are a finite list
(checks pin them as ``@example``s): every field as every other JSON type (the
array and object ones one nesting level too deep, the string one the value's own
JSON text), each required field left out, an extra property at each level, and
array sizes at and past each bound, counted in items with duplicates.
``random_cases`` draws further cases of the same kinds. A keyword the walker does
not know makes no case and is not declared, so ``tests/test_coverage.py`` fails
until a generator for it exists.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from hypothesis import example
from hypothesis import strategies as st

from strategies.spec import resolve

JSON_TYPES = ("string", "integer", "number", "boolean", "null", "array", "object")
ANNOTATIONS = frozenset({"description", "example", "examples", "title"})
KNOWN = frozenset({"$ref", "type", "required", "properties", "items", "minItems", "maxItems"}) | ANNOTATIONS
ITEM = "[]"
"""In a ``Case.path``: one item of the array (which one is the caller's choice)."""
MISSING = object()
EXTRA = "conformanceExtra"

INSIDE, OUTSIDE, OPEN = "inside", "outside", "open"
"""The schema allows it and the page needs it accepted; the schema refuses it; the schema allows it and
the page says nothing more (extra properties: a gateway may validate request shape strictly)."""

_RANDOM_VALUES = {
    "string": st.text(max_size=10),
    "integer": st.integers(),
    "number": st.floats(allow_nan=False, allow_infinity=False).filter(lambda x: not x.is_integer()),
    "boolean": st.booleans(),
    "null": st.none(),
    "array": st.lists(st.integers(), max_size=2),
    "object": st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
}


@dataclass(frozen=True, repr=False)
class Case:
    """One input on one side of one constraint: ``change`` applied at ``path`` of a valid instance."""

    pointer: str
    what: str
    side: str
    path: tuple[str, ...]
    change: Callable[[object], object]  # the value at ``path`` → the value on this side (``MISSING``: left out)

    def __repr__(self) -> str:
        return f"Case({self.what!r})"

    @property
    def in_item(self) -> bool:
        return ITEM in self.path

    def apply(self, instance: object, index: int = 0) -> object:
        """A copy of ``instance`` with the change made (at item ``index`` where the path names an item)."""
        instance = copy.deepcopy(instance)
        if not self.path:
            return self.change(instance)
        parent = instance
        for part in self.path[:-1]:
            parent = parent[index if part == ITEM else part]
        key = index if self.path[-1] == ITEM else self.path[-1]
        present = key < len(parent) if isinstance(parent, list) else key in parent
        new = self.change(parent[key] if present else MISSING)
        if new is MISSING:
            del parent[key]
        else:
            parent[key] = new
        return instance


def label(path: tuple[str, ...]) -> str:
    text = ".".join(path).replace("." + ITEM, ITEM)
    return text or "the body"


def sample(document: str, node: dict, where: str) -> object:
    """A valid instance of ``node``, with fresh strings (so unknown ids and slugs never repeat)."""
    node, where = resolve(document, node, where)
    kind = node.get("type")
    if kind == "object":
        return {name: sample(document, node["properties"][name], f"{where}/properties/{name}")
                for name in node.get("required", [])}
    if kind == "array":
        return [sample(document, node["items"], f"{where}/items") for _ in range(max(node.get("minItems", 0), 1))]
    if kind == "string":
        return f"conformance-{uuid.uuid4()}"
    return {"integer": 1, "number": 1.5, "boolean": True, "null": None}[kind]


def nested_or_retyped(kind: str, value: object, name: str) -> object:
    """The boundary value of JSON type ``kind`` standing for ``value``: one level too deep for arrays and objects."""
    return {
        "string": lambda: json.dumps(value),
        "integer": lambda: 1,
        "number": lambda: 1.5,
        "boolean": lambda: True,
        "null": lambda: None,
        "array": lambda: [value],
        "object": lambda: {name or "value": value},
    }[kind]()


def _wrong_types(kind: str) -> list[str]:
    allowed = {kind, "integer"} if kind == "number" else {kind}
    return [other for other in JSON_TYPES if other not in allowed]


def schema_cases(document: str, node: dict, where: str, path: tuple[str, ...] = ()) -> Iterator[Case]:
    """The boundary cases of every constraint of ``node`` and of everything it contains."""
    node, where = resolve(document, node, where)
    if set(node) - KNOWN:
        return  # not understood: makes no case, declares nothing
    kind = node.get("type")
    name = next((part for part in reversed(path) if part != ITEM), "")
    here = label(path)
    if kind:
        for other in _wrong_types(kind):
            yield Case(f"{where}/type", f"{here}: {other} instead of {kind}", OUTSIDE, path,
                       lambda value, other=other, name=name: nested_or_retyped(other, value, name))
    if kind == "object":
        for i, field in enumerate(node.get("required", [])):
            yield Case(f"{where}/required/{i}", f"{here} without {field}", OUTSIDE, (*path, field), lambda _: MISSING)
        yield Case(f"{where}/additionalProperties", f"{here} with an extra property", OPEN, path,
                   lambda value: {**value, EXTRA: "x"})
        for field, sub in node.get("properties", {}).items():
            yield from schema_cases(document, sub, f"{where}/properties/{field}", (*path, field))
    if kind == "array":
        yield from _size_cases(document, node, where, path)
        yield from schema_cases(document, node["items"], f"{where}/items", (*path, ITEM))


def items(count: int) -> str:
    return f"{count} item" if count == 1 else f"{count} items"


def _resized(document: str, node: dict, where: str, size: int, duplicates: bool) -> Callable[[object], object]:
    def change(items: object) -> list:
        if duplicates:  # one item repeated: counted in items, not in distinct orders
            return [copy.deepcopy(items[0]) for _ in range(size)]
        return [sample(document, node["items"], f"{where}/items") for _ in range(size)]

    return change


def _size_cases(document: str, node: dict, where: str, path: tuple[str, ...]) -> Iterator[Case]:
    here = label(path)
    low, high = node.get("minItems"), node.get("maxItems")
    if low is not None:
        yield Case(f"{where}/minItems", f"{here} of {items(low)}", INSIDE, path,
                   _resized(document, node, where, low, False))
        if low > 0:
            yield Case(f"{where}/minItems", f"{here} of {items(low - 1)}", OUTSIDE, path,
                       _resized(document, node, where, low - 1, False))
    if high is not None:
        for duplicates in (False, True):
            same = ", all the same" if duplicates else ""
            yield Case(f"{where}/maxItems", f"{here} of {items(high)}{same}", INSIDE, path,
                       _resized(document, node, where, high, duplicates))
            yield Case(f"{where}/maxItems", f"{here} of {items(high + 1)}{same}", OUTSIDE, path,
                       _resized(document, node, where, high + 1, duplicates))


def random_cases(document: str, node: dict, where: str,
                 keep: Callable[[Case], bool] = lambda case: True) -> st.SearchStrategy[Case]:
    """Further cases of the same kinds, drawn: values of every wrong type, sizes anywhere on each side.

    ``keep`` selects the kinds (it is shown a case of each kind) before anything is drawn."""
    kinds = [strategy for prototype, strategy in _random(document, node, where, ()) if keep(prototype)]
    return st.one_of(*kinds) if kinds else st.nothing()


def _random(document: str, node: dict, where: str,
            path: tuple[str, ...]) -> Iterator[tuple[Case, st.SearchStrategy[Case]]]:
    node, where = resolve(document, node, where)
    if set(node) - KNOWN:
        return
    kind = node.get("type")
    here = label(path)
    if kind:
        values = st.one_of(*(_RANDOM_VALUES[other] for other in _wrong_types(kind)))
        yield Case(f"{where}/type", here, OUTSIDE, path, lambda v: v), values.map(
            lambda v: Case(f"{where}/type", f"{here}: {v!r:.40} instead of {kind}", OUTSIDE, path,
                           lambda _: copy.deepcopy(v)))
    if kind == "object":
        for field, sub in node.get("properties", {}).items():
            yield from _random(document, sub, f"{where}/properties/{field}", (*path, field))
    if kind == "array":
        low, high = node.get("minItems", 0), node.get("maxItems")
        if high is not None:
            for side, sizes in ((INSIDE, st.integers(max(low, 1), high)), (OUTSIDE, st.integers(high + 1, 20 * high))):
                yield Case(f"{where}/maxItems", here, side, path, lambda v: v), st.tuples(sizes, st.booleans()).map(
                    lambda pair, side=side: Case(f"{where}/maxItems", f"{here} of {items(pair[0])}", side, path,
                                                 _resized(document, node, where, pair[0], pair[1])))
        yield from _random(document, node["items"], f"{where}/items", (*path, ITEM))


def pinned(boundary_cases: list[Case], argument: str = "case", **fixed: object) -> Callable:
    """Pin every boundary case as an explicit ``@example`` of a ``@given`` test (other arguments ``fixed``)."""

    def decorate(test: Callable) -> Callable:
        for case in reversed(boundary_cases):
            test = example(**{argument: case}, **fixed)(test)
        return test

    return decorate
