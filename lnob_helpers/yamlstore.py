"""Readable YAML files in an analysis folder: validated loads, atomic and locked saves.

A save writes a temporary file next to the target and renames it over the old one,
so a crash or a second writer never leaves a half-written file. The previous
version is kept as `<name>.bak`. A change that reads a file and writes it back holds
the file's lock (`locked`) for the whole read-change-write, so two people saving at
once both keep their work.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import yaml
from filelock import FileLock, Timeout
from pydantic import BaseModel, ValidationError

from .errors import InputError, describe_validation_error

M = TypeVar("M", bound=BaseModel)
LOCK_WAIT_SECONDS = 60   # a save waits this long for the others queued before it
# libyaml's safe loader and dumper when present: the same documents, several times faster
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SAFE_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
STALE_TEMP_SECONDS = 60  # a temporary file this old was left by a save that was killed


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
    """Validate-then-save a model as readable YAML, atomically, keeping a backup.

    `exclude_defaults` leaves out fields still at their default, keeping hand-edited files short.
    """
    data = obj.model_dump(mode="json", exclude_none=True, exclude_defaults=exclude_defaults)
    return atomic_write_text(path, dump_yaml(data))


@contextmanager
def locked(path: str | os.PathLike) -> Iterator[Path]:
    """Hold `path`'s lock (a hidden `.<name>.lock` beside it) across processes.

    Use it around a whole read-change-write. While it is held, no other save of the same
    file is under way, so temporary files of earlier, killed saves can be cleared.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(path.with_name(f".{path.name}.lock")))
    try:
        lock.acquire(timeout=LOCK_WAIT_SECONDS)
    except Timeout:
        raise InputError(f"{path.name}: another save of this file is taking unusually long, so your change "
                         "was not saved; please try again in a moment.") from None
    try:
        _remove_stale_temporaries(path)
        yield path
    finally:
        lock.release()


def _remove_stale_temporaries(path: Path) -> None:
    cutoff = time.time() - STALE_TEMP_SECONDS
    for tmp in path.parent.glob(f".{path.name}.*.tmp"):
        try:
            if tmp.stat().st_mtime < cutoff:
                tmp.unlink()
        except FileNotFoundError:
            pass
