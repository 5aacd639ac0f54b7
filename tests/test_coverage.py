"""The strategies are complete by construction: every constraint of both specs and every arrangement of the
control plane has a generator, declared with the requirements that judge its inputs.

The specs are walked here on their own terms (every keyword but annotations is a
constraint; every object leaves ``additionalProperties`` to be judged; every
method a path does not declare, and every body an operation does not declare, is
an input), and compared with what ``strategies`` declares.
"""

from __future__ import annotations

import copy
import importlib
import itertools
import pkgutil

import pytest

import strategies
from conformance.catalogue import requirements
from strategies.constraints import schema_cases
from strategies.coverage import COVERED, pointer
from strategies.layouts import ARRANGEMENTS, NOT_ARRANGED
from strategies.spec import document, operations, resolve

ANNOTATIONS = {"description", "example", "examples", "title", "summary"}
ARRANGING = ("post", "put")

for _module in pkgutil.iter_modules(strategies.__path__):
    importlib.import_module(f"strategies.{_module.name}")  # each declares what it covers as it is imported


def schema_constraints(name: str, node: dict, where: str, found: set[str]) -> None:
    node, where = resolve(name, node, where)
    for key, value in node.items():
        if key in ANNOTATIONS:
            continue
        if key == "properties":
            for field, sub in value.items():
                schema_constraints(name, sub, f"{where}{pointer('properties', field)}", found)
        elif key == "items":
            schema_constraints(name, value, f"{where}/items", found)
        elif key == "required":
            found.update(f"{where}/required/{i}" for i in range(len(value)))
        else:
            found.add(f"{where}{pointer(key)}")
    if node.get("type") == "object" and "additionalProperties" not in node:
        found.add(f"{where}/additionalProperties")


def constraints(name: str) -> set[str]:
    """Every input-side constraint of a spec, as a JSON pointer."""
    found = {pointer("components", "securitySchemes", key) for key in document(name)["components"]["securitySchemes"]}
    for path, method, operation in operations(name):
        where = pointer("paths", path, method)
        if operation is None:
            found.add(where)  # a method the path does not declare
            continue
        found.update(f"{where}/parameters/{i}" for i in range(len(operation.get("parameters", []))))
        body = operation.get("requestBody")
        if body is None:
            found.add(f"{where}/requestBody")  # a body the operation does not declare
            continue
        if body.get("required"):
            found.add(f"{where}/requestBody/required")
        for media, content in body["content"].items():
            at = f"{where}/requestBody{pointer('content', media)}"
            found.add(at)
            schema_constraints(name, content["schema"], f"{at}/schema", found)
    return found


def arrangements() -> set[str]:
    """Every arrangement of the control plane: each combination of enum values of an arranging operation's
    body, alone and with each optional field."""
    found = set()
    for path, method, operation in operations("control-plane"):
        if method not in ARRANGING or operation is None or "requestBody" not in operation:
            continue
        enums: dict[str, list] = {}
        optional: list[str] = []

        def collect(node: dict, where: str, required: list[str]) -> None:
            node, where = resolve("control-plane", node, where)
            for field, sub in node.get("properties", {}).items():
                resolved, _ = resolve("control-plane", sub, where)
                if "enum" in resolved:
                    enums[field] = resolved["enum"]
                elif resolved.get("type") == "array":
                    collect(resolved["items"], where, resolved["items"].get("required", []))
                elif field not in required:
                    optional.append(field)

        schema = operation["requestBody"]["content"]["application/json"]["schema"]
        collect(schema, pointer("paths", path, method), schema.get("required", []))
        for values in itertools.product(*enums.values()):
            base = operation["operationId"] + "?" + "&".join(f"{k}={v}" for k, v in zip(enums, values, strict=True))
            found.add(base)
            found.update(f"{base}+{field}" for field in optional)
    return found


def declared(name: str) -> set[str]:
    return {where for document_name, where in COVERED if document_name == name}


@pytest.mark.parametrize("name", ["clob", "us"])
def test_every_constraint_of_the_spec_has_a_generator(name):
    assert constraints(name) - declared(name) == set(), "constraints no strategy generates inputs for"


@pytest.mark.parametrize("name", ["clob", "us"])
def test_no_generator_declares_a_constraint_the_spec_does_not_have(name):
    assert declared(name) - constraints(name) == set()


def test_every_control_plane_arrangement_is_made_or_explained():
    assert arrangements() - ARRANGEMENTS.keys() - NOT_ARRANGED.keys() == set(), "arrangements no check makes"
    assert (ARRANGEMENTS.keys() | NOT_ARRANGED.keys()) - arrangements() == set(), "declared, not in the spec"
    assert ARRANGEMENTS.keys() & NOT_ARRANGED.keys() == set()


def test_coverage_names_known_requirements():
    named = set().union(*COVERED.values())
    assert named - set(requirements()) == set()


def test_a_keyword_no_generator_knows_is_reported():
    """The comparison can fail: a constraint added to a spec is found by the walk, and no generator covers it."""
    entry = copy.deepcopy(document("us")["components"]["schemas"]["CancelOrderRequestEntry"])
    entry["properties"]["orderId"]["minLength"] = 1
    found: set[str] = set()
    schema_constraints("us", entry, "/entry", found)
    generated = {case.pointer for case in schema_cases("us", entry, "/entry")}
    assert "/entry/properties/orderId/minLength" in found - generated
