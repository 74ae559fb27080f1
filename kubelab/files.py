"""Files several kubelab processes share: writing one atomically (readers see the old content or
the new, never a half-written file) and holding a lock file while a change is made.

Used for the progress file and the state dir (kubeconfigs, the remembered cluster, the simulator's
start); the simulator, which imports nothing of kubelab's, has its own atomic write.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


def write_atomic(
    path: Path, text: str, *, prefix: str | None = None, mode: int | None = None
) -> None:
    """Write `text` to a temporary file beside `path` (named `prefix`..., default `.NAME.`),
    flush it to disk, give it `mode`, and rename it over `path`; the rename is made durable too."""
    fd, temp = tempfile.mkstemp(prefix=prefix or f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    fsync_dir(path.parent)


def fsync_dir(folder: Path) -> None:
    """Make a rename in `folder` durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        # Some filesystems refuse fsync on a directory; the file itself is already durable.
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on the file `path` (created if missing, its folder too), so two
    kubelab processes do not make the same change at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
        try:
            import fcntl
        except ImportError:  # not POSIX (Windows): no advisory lock; writes stay atomic
            yield
            return
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
