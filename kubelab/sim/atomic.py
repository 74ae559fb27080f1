"""Atomic private writes: the simulator's kubeconfig and certificate cache hold secrets."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def write_private(path: Path, data: str | bytes) -> None:
    """Write `data` to `path` atomically (a reader sees the old file or the whole new one),
    mode 0600 from the first byte."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode() if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
