"""Compare ``verdicts.json`` files: two nights, two servers, or many of either.

    conformance-diff OLD NEW           the requirements whose verdict changed, as a table;
                                       exit 1 when a must requirement went from pass to fail or error
    conformance-diff RUN RUN RUN...    a Markdown matrix of requirement x run (exit 0)
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

FAILING = ("fail", "error")
PASSING = ("pass", "informational")
ABSENT = "—"  # the requirement is not in that file


class VerdictsError(Exception):
    """A file that is not a readable verdicts.json."""


def load(path: str | Path) -> dict:
    """A verdicts.json document: ``{"targets": {...}, "requirements": {id: {"verdict", "level", ...}}}``."""
    try:
        document = json.loads(Path(path).read_text())
    except OSError as error:
        raise VerdictsError(f"{path}: {error.strerror.lower() if error.strerror else error}") from None
    except ValueError as error:
        raise VerdictsError(f"{path}: not JSON ({error})") from None
    table = document.get("requirements") if isinstance(document, dict) else None
    if not isinstance(table, dict) or not all(isinstance(e, dict) and "verdict" in e for e in table.values()):
        raise VerdictsError(f"{path}: not a verdicts.json (no requirements with a verdict)")
    return document


@dataclass(frozen=True)
class Change:
    """One requirement whose verdict differs between two runs."""

    rid: str
    level: str
    api: str
    old: str
    new: str

    @property
    def kind(self) -> str:
        if self.new in FAILING and self.old not in FAILING:
            return "new failure"
        if self.old in FAILING and self.new in PASSING:
            return "fixed"
        if self.new == "skipped":
            return "newly skipped"
        return "changed"

    @property
    def regression(self) -> bool:
        """A must requirement that passed and now fails or errors."""
        return self.level == "must" and self.old == "pass" and self.new in FAILING


def changes(old: dict, new: dict) -> list[Change]:
    """Every requirement whose verdict differs, in the new file's order, then those only in the old one."""
    before, after = old["requirements"], new["requirements"]
    found = []
    for rid in [*after, *(rid for rid in before if rid not in after)]:
        entry = after.get(rid) or before[rid]
        was = before.get(rid, {}).get("verdict", ABSENT)
        now = after.get(rid, {}).get("verdict", ABSENT)
        if was != now:
            found.append(Change(rid, entry.get("level", "?"), entry.get("api", "?"), was, now))
    return found


def change_table(found: list[Change]) -> str:
    lines = ["| requirement | level | old | new | change |", "| --- | --- | --- | --- | --- |"]
    lines += [f"| {c.rid} | {c.level} | {c.old} | {c.new} | {c.kind} |" for c in found]
    return "\n".join(lines)


def _labels(paths: list[str]) -> list[str]:
    """Column names: the file names without extension, or the paths when those repeat."""
    stems = [Path(p).stem for p in paths]
    return stems if len(set(stems)) == len(stems) else paths


def matrix(paths: list[str], documents: list[dict]) -> str:
    """Requirement x run, like Autobahn's table across implementations; failing cells in bold."""
    labels = _labels(paths)
    rows: dict[str, str] = {}
    for document in documents:
        for rid, entry in document["requirements"].items():
            rows.setdefault(rid, entry.get("level", "?"))
    lines = [
        "| requirement | level | " + " | ".join(labels) + " |",
        "| --- | --- | " + " | ".join("---" for _ in labels) + " |",
    ]
    for rid, level in rows.items():
        cells = []
        for document in documents:
            verdict = document["requirements"].get(rid, {}).get("verdict", ABSENT)
            cells.append(f"**{verdict}**" if verdict in FAILING else verdict)
        lines.append(f"| {rid} | {level} | " + " | ".join(cells) + " |")
    lines.append("")
    for label, document in zip(labels, documents):
        targets = ", ".join(f"{api} {url}" for api, url in document.get("targets", {}).items() if url)
        lines.append(f"- {label}: {targets or 'targets not recorded'}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="conformance-diff", description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(__doc__.splitlines()[2:]),
    )
    parser.add_argument("files", nargs="+", metavar="VERDICTS_JSON")
    args = parser.parse_args(argv)
    if len(args.files) < 2:
        parser.error("give two verdicts.json files to compare, or more for a matrix")
    try:
        documents = [load(path) for path in args.files]
    except VerdictsError as error:
        print(f"conformance-diff: {error}", file=sys.stderr)
        return 2
    if len(documents) > 2:
        print(matrix(args.files, documents))
        return 0
    old, new = args.files
    found = changes(*documents)
    if not found:
        print(f"No requirement changed between {old} and {new}.")
        return 0
    print(f"{len(found)} requirement(s) changed between {old} and {new}:\n")
    print(change_table(found))
    regressions = [c.rid for c in found if c.regression]
    if regressions:
        print(f"\nMust requirements that passed and now fail: {', '.join(regressions)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
