"""Files only the server's own user may read: the embedded default's data folder and its files.

The SQLite files hold every event and view (customers, phones, pay) next to the secret key, so
they are created 0600 in a 0700 folder, not left to the umask (0644 on most systems). SQLite
gives its -wal and -shm files the main file's mode, so creating the main file first is enough.
A file made by an older release is tightened when opened; a folder that already exists keeps its
mode (it may be one the operator chose and shares), its files are private all the same.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """The folder, made 0700 if it did not exist (its missing parents too)."""
    if not path.is_dir():
        path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    return path


def open_private(path: Path, flags: int = os.O_RDWR) -> int:
    """A descriptor of the file, created 0600 (atomically: never readable by others meanwhile)."""
    private_dir(path.parent)
    fd = os.open(path, flags | os.O_CREAT, FILE_MODE)
    if stat.S_IMODE(os.fstat(fd).st_mode) & 0o077:
        os.fchmod(fd, FILE_MODE)
    return fd


def private_file(path: Path) -> Path:
    """The file, created empty and 0600 if absent, tightened to 0600 if others could read it."""
    os.close(open_private(path))
    return path
