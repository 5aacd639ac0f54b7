"""What the strategies cover, declared by the code that generates for it.

Each generator that reads a constraint from a spec (a schema keyword, a security
scheme, a method a path does or does not declare, a control-plane arrangement)
declares it here with the requirements whose checks use its inputs.
``tests/test_coverage.py`` walks the specs on its own and fails on any constraint
no generator declares: a new keyword in a spec needs a new generator first.
"""

from __future__ import annotations

COVERED: dict[tuple[str, str], set[str]] = {}
"""(document, JSON pointer or arrangement) → the requirements that judge its inputs."""


def covers(document: str, where: str, *requirements: str) -> None:
    COVERED.setdefault((document, where), set()).update(requirements)


def pointer(*parts: object) -> str:
    """A JSON pointer (RFC 6901) from its unescaped parts."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)
