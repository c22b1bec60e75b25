"""Reading a zip a stranger sent, without letting it write anywhere or fill the disk.

A contribution package comes from another organisation, so its zip is read as hostile until
checked: every member must be a plain file at the top level (no absolute path, no `..`, no
folder, no symbolic link, no encryption), there are few of them, and none may unpack to more
than the limits below or grow more than `MAX_RATIO` times from its compressed size (a zip bomb).
Members are read into memory with a bounded read, never extracted by the names they carry.
"""

from __future__ import annotations

import stat
import zipfile
from typing import BinaryIO

from ..errors import InputError

MAX_MEMBERS = 16
MAX_MEMBER_BYTES = 256 * 2**20
MAX_TOTAL_BYTES = 512 * 2**20
MAX_RATIO = 200            # uncompressed / compressed, checked on members above RATIO_FROM_BYTES
RATIO_FROM_BYTES = 2**20


def read_members(data: BinaryIO, name: str) -> tuple[dict[str, bytes], list[str]]:
    """The safe members of zip `name` by their names, and one sentence per member refused (and why)."""
    try:
        archive = zipfile.ZipFile(data)
    except (zipfile.BadZipFile, OSError):
        raise InputError(f"{name}: not a readable zip file; a contribution package is the .zip that "
                         "`lnob share` or \"Share this analysis\" wrote, sent unchanged.") from None
    members: dict[str, bytes] = {}
    problems: list[str] = []
    total = 0
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS:
            raise InputError(f"{name}: holds {len(infos)} files; a contribution package holds at most "
                             f"{MAX_MEMBERS}.")
        for info in infos:
            shown = _printable(info.filename)
            fault = _name_fault(info.filename) or _kind_fault(info) or _size_fault(info)
            if fault is None and info.filename in members:
                fault = "appears twice"
            if fault is None and total + info.file_size > MAX_TOTAL_BYTES:
                fault = f"would take the package past {MAX_TOTAL_BYTES // 2**20} MB unpacked"
            if fault is not None:
                problems.append(f"{name}: member '{shown}' {fault}; it was not read.")
                continue
            total += info.file_size
            try:
                with archive.open(info) as member:
                    content = member.read(MAX_MEMBER_BYTES + 1)
            except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as err:
                problems.append(f"{name}: member '{shown}' could not be read ({err}).")
                continue
            if len(content) != info.file_size:
                problems.append(f"{name}: member '{shown}' unpacks to {len(content)} bytes, not the "
                                f"{info.file_size} the zip declares; it was not read.")
                continue
            members[info.filename] = content
    return members, problems


def _name_fault(name: str) -> str | None:
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return "has an absolute path"
    if ".." in parts:
        return "climbs out of the package with '..'"
    if any(not ch.isprintable() for ch in name):
        return "has control characters in its name"
    if len(parts) > 1:
        return "lies in a folder; a package holds its files at the top level"
    return None


def _kind_fault(info: zipfile.ZipInfo) -> str | None:
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        return "is a symbolic link"
    if info.is_dir():
        return "is a folder"
    if info.flag_bits & 0x1:
        return "is encrypted"
    return None


def _size_fault(info: zipfile.ZipInfo) -> str | None:
    if info.file_size > MAX_MEMBER_BYTES:
        return f"unpacks to more than {MAX_MEMBER_BYTES // 2**20} MB"
    if info.file_size > RATIO_FROM_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        return f"grows more than {MAX_RATIO} times when unpacked (a zip bomb)"
    return None


def _printable(name: str) -> str:
    shown = "".join(ch if ch.isprintable() else "?" for ch in name)
    return shown if len(shown) <= 80 else shown[:80] + "..."
