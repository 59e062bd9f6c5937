"""Durable file operations: atomic replacement, fsynced appends, and a single-writer lock.

A file is written atomically by writing a temporary file in the same directory, fsyncing it,
renaming it over the target (atomic on POSIX) and fsyncing the directory, so after a crash the
target holds either the old or the new content, never a mix. A journal line is appended with
one ``write`` and an fsync; a reader ignores a last line without its newline (a torn write).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from sim.errors import CapexsimError

__all__ = ["RunLock", "StoreIOError", "append_line", "atomic_write", "atomic_write_text",
           "digest", "fsync_dir", "io_errors", "read_lines"]


class StoreIOError(CapexsimError):
    """The operating system refused a run directory's file operation (disk full, permission
    denied, ...): one line naming the path and the cause. The run stays resumable."""


def describe_os_error(exc: OSError, path: Path | str | None = None) -> str:
    """``<path>: <cause>`` for an OSError, naming the path the error names, else ``path``."""
    where = exc.filename if exc.filename is not None else path
    cause = exc.strerror or str(exc) or type(exc).__name__
    if exc.errno is not None and exc.errno > 0:
        cause = f"{cause} (errno {exc.errno})"
    return f"{where}: {cause}" if where is not None else cause


@contextlib.contextmanager
def io_errors(path: Path | str) -> Iterator[None]:
    """Turn an :class:`OSError` raised inside into a :class:`StoreIOError` naming ``path``
    (or the file the error names) and the cause."""
    try:
        yield
    except StoreIOError:
        raise
    except OSError as exc:
        raise StoreIOError(f"cannot write {describe_os_error(exc, path)}") from None


def digest(path: Path) -> tuple[int, str]:
    """``(size, hex SHA-256)`` of a file, read in chunks."""
    with open(path, "rb") as fh:
        sha = hashlib.file_digest(fh, "sha256")
        size = fh.tell()
    return size, sha.hexdigest()


def fsync_dir(path: Path) -> None:
    """Make a directory's entries (renames, new files) durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, write: Callable[[IO[bytes]], Any], *,
                 sync_dir: bool = True) -> None:
    """Replace ``path`` with what ``write(fh)`` writes, atomically and durably (with
    ``sync_dir=False`` the rename is durable only after the caller's :func:`fsync_dir`)."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with io_errors(path):
        try:
            with open(tmp, "wb") as fh:
                write(fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        if sync_dir:
            fsync_dir(path.parent)


def atomic_write_text(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8), atomically and durably."""
    atomic_write(path, lambda fh: fh.write(text.encode("utf-8")))


def append_line(path: Path, line: str) -> None:
    """Append one line durably (one write, then fsync)."""
    if "\n" in line:
        raise ValueError("a journal line cannot contain a newline")
    data = memoryview((line + "\n").encode("utf-8"))
    with io_errors(path):
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            while data:  # a short write (a full disk, a signal) is finished or raises
                written = os.write(fd, data)
                if written <= 0:
                    raise OSError(28, "short write", str(path))
                data = data[written:]
            os.fsync(fd)
        finally:
            os.close(fd)


def read_lines(path: Path) -> Iterator[str]:
    """Complete lines of ``path`` (a torn last line, without its newline, is skipped)."""
    if not path.exists():
        return
    data = path.read_bytes()
    for raw in data.split(b"\n")[:-1]:
        yield raw.decode("utf-8")


class RunLock:
    """An exclusive lock on a run directory, held for the writer's lifetime.

    The ``lock`` file holds the owner's pid and host (for the message); the lock itself is an
    ``flock`` on it, which the kernel releases when the owner exits, however it dies (even by
    SIGKILL). So a lock left behind by a killed run is stale by construction: the next writer
    simply takes it, with no guessing from pids (which get reused). After taking the flock we
    check that the file we locked is still the one at the path (a releasing owner unlinks it),
    else retry.
    """

    def __init__(self, directory: Path) -> None:
        self.path = directory / "lock"
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        """True while this object holds the lock."""
        return self._fd is not None

    def owner(self) -> str:
        """Who holds (or last held) the lock, for messages."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return f"process {data['pid']} on {data['host']}"
        except (OSError, ValueError, KeyError, TypeError):
            return "another process"

    def acquire(self) -> None:
        """Take the lock or raise :class:`CapexsimError` naming its owner."""
        if self._fd is not None:
            return
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise CapexsimError(
                    f"{self.path.parent} is being written by {self.owner()}; wait for it to "
                    "finish (a run directory has one writer at a time)") from None
            try:
                same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if not same:  # unlinked by its previous owner while we waited: try again
                os.close(fd)
                continue
            os.ftruncate(fd, 0)
            os.write(fd, json.dumps({"pid": os.getpid(), "host": socket.gethostname()}).encode())
            os.fsync(fd)
            self._fd = fd
            return

    def release(self) -> None:
        """Remove the lock file and drop the lock (idempotent)."""
        if self._fd is None:
            return
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        os.close(self._fd)
        self._fd = None
