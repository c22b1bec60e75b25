"""User-facing errors: one plain sentence saying what is wrong and where.

Everything a person can get wrong (a file, a column, a field) raises `LnobError`
or a subclass; the CLI and the apps show its message and never a traceback.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import ValidationError


class LnobError(Exception):
    """A problem a user can fix; the message names the place and the fault."""


class InputError(LnobError):
    """Bad input data or configuration; may carry several problems at once."""

    def __init__(self, problems: str | Iterable[str]):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


def _location(loc: tuple) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item + 1}]")
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts)


def describe_validation_error(err: ValidationError, source: str) -> list[str]:
    """Turn pydantic's report into sentences like "file: key `a.b[2]`: problem".

    List positions are shown 1-based, because people count entries from one.
    """
    sentences = []
    for e in err.errors(include_url=False):
        where = _location(tuple(e.get("loc", ())))
        msg = e.get("msg", "is not valid")
        msg = msg.removeprefix("Value error, ")
        if e.get("type") == "missing":
            msg = "is required but missing"
        elif e.get("type") == "extra_forbidden":
            msg = "is not a known key (check the spelling)"
        if where:
            sentences.append(f"{source}: `{where}` {msg}.")
        else:
            sentences.append(f"{source}: {msg}.")
    return [s.replace("..", ".") for s in sentences]
