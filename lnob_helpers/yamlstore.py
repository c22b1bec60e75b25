"""Readable YAML files in an analysis folder: validated loads, atomic and locked saves, versions.

A save writes a temporary file next to the target and renames it over the old one,
so a crash or a second writer never leaves a half-written file. The previous
version is kept as `<name>.bak`, and the last `KEEP_VERSIONS` versions in
`.versions/<name>/` beside the file, so a change made in the app can be undone
(`versions`, `restore_version`, `undo_save`). A change that reads a file and writes it
back holds the file's lock (`locked`) for the whole read-change-write, so two people
saving at once both keep their work.

People also edit the step files by hand and write comments in them. `save_model` keeps
those comments: the existing document is updated in place with ruamel.yaml (unchanged
values keep their style, keys follow the model, entries are matched by id), and every
comment goes back before the key or entry it was written above, or at the end of its
line. A file without a `#` takes the fast path (libyaml), as before.
"""

from __future__ import annotations

import bisect
import hashlib
import io
import logging
import os
import re
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

import yaml
from filelock import FileLock, Timeout
from pydantic import BaseModel, ValidationError

from .errors import InputError, describe_validation_error

M = TypeVar("M", bound=BaseModel)
log = logging.getLogger("lnob.yamlstore")
LOCK_WAIT_SECONDS = 60   # a save waits this long for the others queued before it
# libyaml's safe loader and dumper when present: the same documents, several times faster
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SAFE_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
STALE_TEMP_SECONDS = 60  # a temporary file this old was left by a save that was killed
VERSIONS_DIR = ".versions"  # <folder>/.versions/<file name>/<time stamp>.<suffix>
KEEP_VERSIONS = 10


def read_yaml(path: str | os.PathLike) -> Any:
    """Parse a YAML file, turning syntax errors into a sentence with the line number."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: file not found.")
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.load(fh, Loader=_SAFE_LOADER)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise InputError(f"{path}: not valid YAML{where}: {e.problem}.") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a UTF-8 text file.") from None


def load_model(path: str | os.PathLike, model: type[M], default: M | None = None) -> M:
    """Load `path` into `model`; a missing file gives `default` when one is supplied."""
    path = Path(path)
    if default is not None and not path.exists():
        return default
    raw = read_yaml(path)
    if raw is None:
        raw = {}
    try:
        return model.model_validate(raw)
    except ValidationError as e:
        raise InputError(describe_validation_error(e, str(path))) from None


def atomic_write_bytes(path: str | os.PathLike, data: bytes, keep_backup: bool = False) -> Path:
    """Write `data` to `path` through a temporary file in the same folder and a rename.

    With `keep_backup`, the current file is first copied to `<name>.bak`; the target
    itself is never absent, so a reader always sees either the old or the new version.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if keep_backup and path.exists():
        _replace_with(path.with_name(path.name + ".bak"), path.read_bytes())
    _replace_with(path, data)
    return path


def _replace_with(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_text(path: str | os.PathLike, text: str, keep_backup: bool = True) -> Path:
    """Text twin of `atomic_write_bytes`; keeps the previous version by default."""
    return atomic_write_bytes(path, text.encode("utf-8"), keep_backup=keep_backup)


def dump_yaml(data: Any) -> str:
    """YAML that people can read and edit: block style, keys in model order, unicode kept."""
    return yaml.dump(data, Dumper=_SAFE_DUMPER, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100)


def save_model(path: str | os.PathLike, obj: BaseModel, exclude_defaults: bool = False) -> Path:
    """Validate-then-save a model as readable YAML, atomically, keeping a backup and a version.

    Comments in the existing file are kept (see the module docstring). `exclude_defaults`
    leaves out fields still at their default, keeping hand-edited files short. Takes the
    file's lock itself; callers that read-change-write hold it already (it is re-entrant).
    """
    data = obj.model_dump(mode="json", exclude_none=True, exclude_defaults=exclude_defaults)
    path = Path(path)
    with locked(path):
        old = path.read_bytes() if path.exists() else None
        new = render_yaml(data, old, cache_key=path).encode("utf-8")
        _store(path, new, old)
    return path


# --- locks ----------------------------------------------------------------------------------

_HELD = threading.local()  # the locks this thread holds, by lock file: `locked` is re-entrant


@contextmanager
def locked(path: str | os.PathLike) -> Iterator[Path]:
    """Hold `path`'s lock (a hidden `.<name>.lock` beside it) across processes.

    Use it around a whole read-change-write. While it is held, no other save of the same
    file is under way, so temporary files of earlier, killed saves can be cleared. A thread
    that already holds the lock may take it again (a save inside a read-change-write).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_file = path.with_name(f".{path.name}.lock")
    key = str(lock_file.resolve())
    held: set[str] = _HELD.__dict__.setdefault("keys", set())
    if key in held:
        yield path
        return
    lock = FileLock(str(lock_file))
    try:
        lock.acquire(timeout=LOCK_WAIT_SECONDS)
    except Timeout:
        raise InputError(f"{path.name}: another save of this file is taking unusually long, so your change "
                         "was not saved; please try again in a moment.") from None
    held.add(key)
    try:
        _remove_stale_temporaries(path)
        yield path
    finally:
        held.discard(key)
        lock.release()


def _remove_stale_temporaries(path: Path) -> None:
    cutoff = time.time() - STALE_TEMP_SECONDS
    for folder, pattern in ((path.parent, f".{path.name}.*.tmp"), (versions_folder(path), ".*.tmp")):
        for tmp in folder.glob(pattern) if folder.is_dir() else ():
            try:
                if tmp.stat().st_mtime < cutoff:
                    tmp.unlink()
            except FileNotFoundError:
                pass


# --- versions and undo ----------------------------------------------------------------------

@dataclass(frozen=True)
class Saved:
    """What one save did: `before` is the version holding the file as it was (None: it was new)."""

    path: Path
    before: Path | None
    digest: str        # of the bytes this save wrote
    changed: bool      # False when the file already held exactly these bytes


_LAST_SAVED: dict[str, Saved] = {}  # this process's last save of each file, for Undo


def versions_folder(path: str | os.PathLike) -> Path:
    path = Path(path)
    return path.parent / VERSIONS_DIR / path.name


def versions(path: str | os.PathLike) -> list[Path]:
    """The kept versions of `path`, newest first (at most `KEEP_VERSIONS`)."""
    folder = versions_folder(path)
    if not folder.is_dir():
        return []
    return sorted((p for p in folder.iterdir() if not p.name.startswith(".")), key=lambda p: p.name, reverse=True)


def last_saved(path: str | os.PathLike) -> Saved | None:
    """This process's last save of `path` (what a page's Undo takes back), or None."""
    return _LAST_SAVED.get(_key(path))


def restore_version(path: str | os.PathLike, version: str | os.PathLike, *, expect: str | None = None) -> Path:
    """Put `version` (one of `versions(path)`) back as the file, atomically under its lock.

    The current file is kept as a version too, so a restore can itself be taken back.
    With `expect` (a `Saved.digest`), nothing is restored if the file has changed since.
    """
    path, version = Path(path), Path(version)
    with locked(path):
        if version.resolve() not in {v.resolve() for v in versions(path)}:
            raise InputError(f"{path.name}: that earlier version is no longer kept; expected one of the last "
                             f"{KEEP_VERSIONS} versions.")
        current = _check_unchanged(path, expect)
        _store(path, version.read_bytes(), current)
    return path


def undo_save(saved: Saved) -> Path:
    """Take back the save `saved` describes; refused if the file has changed since."""
    path = saved.path
    if not saved.changed:
        raise InputError(f"{path.name}: that save changed nothing, so there is nothing to undo.")
    with locked(path):
        if saved.before is None:  # the save created the file: undoing it removes it, keeping a version
            current = _check_unchanged(path, saved.digest)
            if current is not None:
                _keep_version(path, current)
                path.unlink()
            _LAST_SAVED.pop(_key(path), None)
            return path
        if not saved.before.exists():
            raise InputError(f"{path.name}: the version before that change is no longer kept, so it cannot be "
                             "undone here.")
        return restore_version(path, saved.before, expect=saved.digest)


def _check_unchanged(path: Path, expect: str | None) -> bytes | None:
    current = path.read_bytes() if path.exists() else None
    if expect is not None and (current is None or _digest(current) != expect):
        raise InputError(f"{path.name} has changed since that change was saved (a later change, yours or "
                         "someone else's), so it was not undone.")
    return current


def _store(path: Path, new: bytes, old: bytes | None) -> None:
    """Under the lock: keep `old` (the current bytes) as a version and `.bak`, then write `new`."""
    if old is not None and old == new:
        _LAST_SAVED[_key(path)] = Saved(path, None, _digest(new), changed=False)
        return
    before = None
    if old is not None:
        before = _keep_version(path, old)
        _replace_with(path.with_name(path.name + ".bak"), old)
    path.parent.mkdir(parents=True, exist_ok=True)
    _replace_with(path, new)
    _LAST_SAVED[_key(path)] = Saved(path, before, _digest(new), changed=True)


def _keep_version(path: Path, data: bytes) -> Path:
    folder = versions_folder(path)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target, n = folder / f"{stamp}{path.suffix}", 1
    while target.exists():
        target, n = folder / f"{stamp}-{n}{path.suffix}", n + 1
    _replace_with(target, data)
    for old in versions(path)[KEEP_VERSIONS:]:
        old.unlink(missing_ok=True)
    return target


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _key(path: str | os.PathLike) -> str:
    return str(Path(path).resolve())


# --- comments kept through a save -----------------------------------------------------------

# Entries of a list are matched by these keys (the first set an entry has), else by position.
IDENTITY_KEYS = (("id",), ("question",), ("indicator", "year"), ("year",))
_DOC_CACHE: dict[str, tuple[str, Any]] = {}  # path -> (digest of the bytes we wrote, their ruamel document)
_EOL_COMMENT = re.compile(r"^\s*(?::\s*)?(?:[|>][-+0-9]*\s+)?(#.*)$")


def render_yaml(data: Any, old: bytes | None = None, cache_key: str | os.PathLike | None = None) -> str:
    """The text to save for `data`; with the current file's bytes `old`, its comments are kept.

    A file without comments (or a new one) takes the fast path. Should anything about the old
    text defeat the round trip, the data is still saved (fast path) and the reason logged.
    """
    if old is None or b"#" not in old:
        return dump_yaml(data)
    try:
        text = old.decode("utf-8")
        return _round_trip(data, text, _digest(old), None if cache_key is None else _key(cache_key))
    except Exception:  # noqa: BLE001 - comments are a courtesy; the save itself must go through
        log.warning("comments could not be kept in %s; saved without them", cache_key, exc_info=True)
        return dump_yaml(data)


def _ruamel(sequence_offset: int = 2):
    from ruamel.yaml import YAML

    rt = YAML(typ="rt")
    rt.indent(mapping=2, sequence=sequence_offset + 2, offset=sequence_offset)
    rt.width = 4096          # never re-wrap a line a person wrote
    rt.preserve_quotes = True
    rt.allow_unicode = True
    return rt


def _round_trip(data: Any, text: str, digest: str, cache_key: str | None) -> str:
    layout = _Layout.read(text)
    rt = _ruamel(layout.sequence_offset)
    cached = _DOC_CACHE.pop(cache_key, None) if cache_key else None
    doc = cached[1] if cached and cached[0] == digest else rt.load(text)  # reuse what we wrote last time
    _strip_comments(doc)
    doc = _merge(doc, data)
    out = io.StringIO()
    rt.dump(doc, out)
    plain = out.getvalue()
    written = yaml.load(plain, Loader=_SAFE_LOADER)
    if _as_saved(written) != _as_saved(data):  # never trade a person's data for their comments
        raise ValueError("the round trip changed the data")
    final = layout.put_into(plain)
    if yaml.load(final, Loader=_SAFE_LOADER) != written:
        log.warning("comments could not be placed in %s; saved without them", cache_key)
        final = plain
    if cache_key:
        _DOC_CACHE[cache_key] = (_digest(final.encode("utf-8")), doc)
    return final


def _as_saved(data: Any) -> Any:
    """`data` with dates as the text the models read them as (a kept `2024-05-01` is that date)."""
    if isinstance(data, dict):
        return {k: _as_saved(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_as_saved(v) for v in data]
    return data.isoformat() if isinstance(data, (date, datetime)) else data


def _strip_comments(node: Any) -> None:
    """Remove ruamel's own comment records: `_Layout` puts every comment back by position."""
    from ruamel.yaml.comments import Comment, CommentedBase

    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, CommentedBase):
            setattr(item, Comment.attrib, Comment())
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _merge(old: Any, new: Any) -> Any:
    """`new` (plain data), reusing `old`'s ruamel nodes where they still fit, so their style stays."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.scalarstring import LiteralScalarString

    if isinstance(new, dict):
        if not isinstance(old, CommentedMap):
            return {k: _merge(None, v) for k, v in new.items()}
        for key in [k for k in old if k not in new]:
            del old[key]
        for key, value in new.items():
            old[key] = _merge(old[key], value) if key in old else _merge(None, value)
        for key in new:            # keys in the model's order
            old.move_to_end(key)
        return old
    if isinstance(new, list):
        if not isinstance(old, CommentedSeq):
            return [_merge(None, v) for v in new]
        unused: dict[tuple, list] = {}
        for i, item in enumerate(old):
            unused.setdefault(_identity(item, i), []).append(item)
        old[:] = [_merge(_take(unused, _identity(item, i)), item) for i, item in enumerate(new)]
        return old
    if old is not None and _same_scalar(old, new):
        return old
    if isinstance(new, str) and "\n" in new and not new.startswith((" ", "\n")):
        return LiteralScalarString(new)  # a text typed on several lines stays readable
    return new


def _take(unused: dict[tuple, list], identity: tuple) -> Any:
    """An old node with this identity, each used once (a node used twice would be written as an alias)."""
    nodes = unused.get(identity)
    return nodes.pop(0) if nodes else None


def _identity(item: Any, index: int) -> tuple:
    if isinstance(item, dict):
        for keys in IDENTITY_KEYS:
            if all(k in item and not isinstance(item[k], (dict, list)) for k in keys):
                return tuple(str(item[k]) for k in keys)
        return ("#", index)
    if isinstance(item, list):
        return ("#", index)
    return ("=", str(item))


def _same_scalar(old: Any, new: Any) -> bool:
    if isinstance(old, (dict, list)) or isinstance(old, bool) != isinstance(new, bool):
        return False
    if isinstance(old, date) and not isinstance(old, datetime) and isinstance(new, str):
        return old.isoformat() == new  # `date: 2024-05-01` as written, which the models read as that text
    if isinstance(old, str) != isinstance(new, str):
        return False
    return old == new


@dataclass
class _Layout:
    """What a person wrote around the data: comments, blank lines and long values on several lines.

    A run of comment (and blank) lines belongs to the key or entry right below it; a comment
    at the end of a line belongs to the last key or entry that starts on or before that line.
    Keys are named by their text and entries by their identity (id, ...), so a comment follows
    its entry wherever the entry moves and leaves with it when the entry is deleted. A value
    written over several lines (a long list in brackets, a long quoted text) is put back as it
    was written, aligned or wrapped, while it is unchanged.
    """

    header: list[str]
    before: dict[tuple, list[tuple[int, str]]]  # (column relative to the key's line, text); "" is a blank line
    after: dict[tuple, tuple[int, str]]         # (column it started at, comment)
    trailer: list[str]
    verbatim: dict[tuple, tuple[tuple, str, list[str]]]  # a value's form, the text before it, its lines as written
    sequence_offset: int = 2                    # where a list's dashes sit under its key: 0 (as PyYAML writes) or 2

    @classmethod
    def read(cls, text: str) -> "_Layout":
        lines = text.splitlines()
        root = yaml.compose(text, Loader=_SAFE_LOADER)
        slots = _slots(root)
        inside = _scalar_lines(root)
        ends = _content_ends(root)
        runs: list[tuple[int, list[str]]] = []  # (line after the run, its lines)
        run: list[str] = []
        after: dict[tuple, tuple[int, str]] = {}
        starts: list[tuple[int, tuple]] = []    # the first key or entry starting on each line, in order
        for path, line, _ in slots:
            if not starts or starts[-1][0] != line:
                starts.append((line, path))
        last_slot = {}
        for path, line, _ in slots:
            last_slot[line] = path
        current = None
        for n, line in enumerate(lines):
            stripped = line.strip()
            current = last_slot.get(n, current)
            if n not in inside and (not stripped or stripped.startswith("#")):
                run.append(line.rstrip())
                continue
            if run:
                runs.append((n, run))
                run = []
            if n in ends and current is not None:
                match = _EOL_COMMENT.match(line[ends[n]:])
                if match:
                    after[current] = (match.start(1) + ends[n], match.group(1))
        if not starts:  # nothing but comments: they stay on top
            return cls([t for _, r in runs for t in r] + run, {}, {}, [], {})
        header: list[str] = []
        before: dict[tuple, list[tuple[int, str]]] = {}
        trailer = list(run)
        for line, lines_ in runs:
            if line <= starts[0][0]:  # above the first key: the file's header, down to its last blank line
                blank = max((i for i, t in enumerate(lines_) if not t), default=len(lines_) - 1)
                header, lines_ = lines_[:blank + 1], lines_[blank + 1:]
            at = bisect.bisect_left(starts, line, key=lambda s: s[0])
            if at == len(starts):
                trailer = lines_ + trailer
            elif lines_:
                target_line, path = starts[at]
                base = _indent(lines[target_line])
                before.setdefault(path, []).extend((_indent(t) - base, t.strip()) if t else (0, "") for t in lines_)
        verbatim = {}
        for path, _, value in slots:
            if not _is_leaf(value) or _is_block_text(value):
                continue
            (first, col), (last, end) = (value.start_mark.line, value.start_mark.column), (value.end_mark.line,
                                                                                          value.end_mark.column)
            if last == first:
                verbatim[path] = (_form(value), lines[first][:col], [lines[first][col:end]])
            elif isinstance(value, yaml.ScalarNode) or not any(t.strip().startswith("#") for t in lines[first + 1:last]):
                verbatim[path] = (_form(value), lines[first][:col], [lines[first][col:], *lines[first + 1:last + 1]])
        return cls(header, before, after, trailer, verbatim, _sequence_offset(root))

    def put_into(self, text: str) -> str:
        """`text` (the same document, freshly written) with this layout put back in place."""
        lines = text.splitlines()
        root = yaml.compose(text, Loader=_SAFE_LOADER)
        slots = _slots(root)
        unsafe = _continued_lines(root)
        above: dict[int, list[str]] = {}
        below: dict[int, list[str]] = {}
        for path, line, value in slots:
            indent = _indent(lines[line])
            block = [" " * max(0, indent + col) + t if t else "" for col, t in self.before.get(path, [])]
            old = self.verbatim.get(path)
            start, end = value.start_mark, value.end_mark
            if (old is not None and start.line == end.line == line and old[0] == _form(value)
                    and old[1].rstrip() == lines[line][:start.column].rstrip()):
                # unchanged: as the person wrote it (aligned, or wrapped over lines with any comment after it)
                lines[line] = old[1] + old[2][0] + (lines[line][end.column:] if len(old[2]) == 1 else "")
                below[line] = old[2][1:]
                if len(old[2]) > 1:
                    continue
            if path in self.after:
                column, comment = self.after[path]
                if line in unsafe:
                    block.append(" " * indent + comment)
                else:  # at its old column when the line still fits, so aligned comments stay aligned
                    lines[line] = lines[line].ljust(max(column, len(lines[line]) + 2)) + comment
            if block:
                above.setdefault(line, []).extend(block)
        out = list(self.header)
        for n, line in enumerate(lines):
            out.extend(above.get(n, ()))
            out.append(line)
            out.extend(below.get(n, ()))
        out.extend(self.trailer)
        return "\n".join(out) + "\n"


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _slots(root: yaml.Node | None) -> list[tuple[tuple, int, yaml.Node]]:
    """(path, line, value node) of every key and list entry in block style, in document order."""
    found: list[tuple[tuple, int, yaml.Node]] = []

    def walk(node: yaml.Node, path: tuple) -> None:
        if getattr(node, "flow_style", False):
            return
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                here = (*path, ("k", str(key.value)))
                found.append((here, key.start_mark.line, value))
                walk(value, here)
        elif isinstance(node, yaml.SequenceNode):
            seen: Counter = Counter()
            for i, item in enumerate(node.value):
                ident = _node_identity(item, i)
                here = (*path, (*ident, seen[ident]))
                seen[ident] += 1
                found.append((here, item.start_mark.line, item))
                walk(item, here)

    if root is not None:
        walk(root, ())
    return found


def _is_leaf(node: yaml.Node) -> bool:
    """A value written in one piece: a scalar, or a list or mapping in brackets."""
    return isinstance(node, yaml.ScalarNode) or bool(getattr(node, "flow_style", False))


def _form(node: yaml.Node) -> tuple:
    """A value as data and kind of scalar (tag, and quoted or not), to tell whether it changed."""
    if isinstance(node, yaml.ScalarNode):
        return (node.tag, node.value, bool(node.style))
    pairs = node.value if isinstance(node, yaml.MappingNode) else [(None, v) for v in node.value]
    return (node.tag, tuple((_form(k) if k is not None else None, _form(v)) for k, v in pairs))


def _sequence_offset(root: yaml.Node | None) -> int:
    """How the file indents a list under its key: `key:\n- a` gives 0, `key:\n  - a` gives 2."""
    for node in _walk_nodes(root):
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(value, yaml.SequenceNode) and not value.flow_style and value.value:
                    if value.start_mark.line > key.start_mark.line:
                        return 0 if value.start_mark.column == key.start_mark.column else 2
    return 2


def _node_identity(node: yaml.Node, index: int) -> tuple:
    if isinstance(node, yaml.MappingNode):
        scalars = {str(k.value): v.value for k, v in node.value if isinstance(v, yaml.ScalarNode)}
        for keys in IDENTITY_KEYS:
            if all(k in scalars for k in keys):
                return tuple(str(scalars[k]) for k in keys)
        return ("#", index)
    if isinstance(node, yaml.ScalarNode):
        return ("=", str(node.value))
    return ("#", index)


def _walk_nodes(root: yaml.Node | None) -> Iterator[yaml.Node]:
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, yaml.MappingNode):
            stack.extend(n for pair in node.value for n in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


def _scalar_lines(root: yaml.Node | None) -> set[int]:
    """Lines inside a value that spans several lines (block text, long quoted text): never comments."""
    inside: set[int] = set()
    for node in _walk_nodes(root):
        if isinstance(node, yaml.ScalarNode):
            start, end = node.start_mark, node.end_mark
            last = end.line if end.column > 0 else end.line - 1
            inside.update(range(start.line + 1, last + 1))
    return inside


def _content_ends(root: yaml.Node | None) -> dict[int, int]:
    """For each line where a key or a value ends, the column where that content ends.

    A block text (`>-`, `|`) counts from its indicator, so a comment after the indicator is found.
    """
    ends: dict[int, int] = {}
    for node in _walk_nodes(root):
        if not (isinstance(node, yaml.ScalarNode) or getattr(node, "flow_style", False)):
            continue
        start, end = node.start_mark, node.end_mark
        if _is_block_text(node):
            ends[start.line] = max(ends.get(start.line, 0), start.column)
        else:
            ends[end.line] = max(ends.get(end.line, 0), end.column)
    return ends


def _is_block_text(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.style in ("|", ">")


def _continued_lines(root: yaml.Node | None) -> set[int]:
    """Lines where a value starts and goes on below (not a block text's header): no comment after them."""
    lines: set[int] = set()
    for node in _walk_nodes(root):
        if isinstance(node, yaml.ScalarNode) or getattr(node, "flow_style", False):
            if node.end_mark.line > node.start_mark.line and not _is_block_text(node):
                lines.add(node.start_mark.line)
    return lines
