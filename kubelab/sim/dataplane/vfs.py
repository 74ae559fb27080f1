"""A container's file system: a small in-memory tree of text files (no host file is touched)."""

from __future__ import annotations

import posixpath


class FsError(Exception):
    """An errno-style failure; `reason` is strerror's text, e.g. `No such file or directory`."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


NOENT = "No such file or directory"
ISDIR = "Is a directory"
NOTDIR = "Not a directory"
NOSPACE = "No space left on device"
# What a container may write, as a container's writable layer has a size: past it a write fails
# with ENOSPC, as it does on a full disk, instead of the simulator's memory taking it.
CAPACITY = 16 << 20  # characters


class FileSystem:
    def __init__(
        self,
        files: dict[str, str] | None = None,
        dirs: set[str] | None = None,
        capacity: int = CAPACITY,
    ) -> None:
        self.files: dict[str, str] = {}
        self.dirs: set[str] = {"/"}
        self.capacity = capacity
        for d in dirs or ():
            self.mkdir(d, parents=True)
        for path, text in (files or {}).items():
            self.mkdir(posixpath.dirname(path), parents=True)
            self.files[path] = text

    @staticmethod
    def resolve(path: str, cwd: str = "/") -> str:
        return posixpath.normpath(posixpath.join(cwd, path)).replace("//", "/")

    def is_dir(self, path: str) -> bool:
        return path in self.dirs

    def is_file(self, path: str) -> bool:
        return path in self.files

    def size(self, path: str) -> int:
        """A file's size in bytes (0 for anything else)."""
        return len(self.files.get(path, "").encode())

    def remove_tree(self, path: str) -> None:
        """`rm -r`: the directory `path` and everything below it."""
        prefix = path.rstrip("/") + "/"
        for name in [f for f in self.files if f.startswith(prefix)]:
            del self.files[name]
        self.dirs = {d for d in self.dirs if not (d == path or d.startswith(prefix))}

    def exists(self, path: str) -> bool:
        return path in self.files or path in self.dirs

    def read(self, path: str) -> str:
        if path in self.dirs:
            raise FsError(path, ISDIR)
        if path not in self.files:
            raise FsError(path, NOENT)
        return self.files[path]

    def write(self, path: str, text: str, append: bool = False) -> None:
        if path in self.dirs:
            raise FsError(path, ISDIR)
        parent = posixpath.dirname(path)
        if parent not in self.dirs:
            raise FsError(path, NOTDIR if parent in self.files else NOENT)
        old = self.files.get(path, "")
        kept = old if append else ""
        used = sum(len(t) for t in self.files.values()) - len(old)
        if used + len(kept) + len(text) > self.capacity:
            raise FsError(path, NOSPACE)
        self.files[path] = kept + text

    def mkdir(self, path: str, parents: bool = False) -> None:
        path = posixpath.normpath(path) if path else "/"
        if path in self.dirs:
            return
        parent = posixpath.dirname(path)
        if parent not in self.dirs:
            if not parents:
                raise FsError(path, NOENT)
            self.mkdir(parent, parents=True)
        self.dirs.add(path)

    def remove(self, path: str) -> None:
        if path in self.dirs:
            raise FsError(path, ISDIR)
        if path not in self.files:
            raise FsError(path, NOENT)
        del self.files[path]

    def listdir(self, path: str) -> list[str]:
        if path in self.files:
            return [posixpath.basename(path)]
        if path not in self.dirs:
            raise FsError(path, NOENT)
        prefix = path.rstrip("/") + "/"
        names = {
            p[len(prefix) :].split("/", 1)[0]
            for p in [*self.files, *self.dirs]
            if p.startswith(prefix) and p != path
        }
        return sorted(names)
