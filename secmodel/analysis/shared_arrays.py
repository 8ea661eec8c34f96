"""float64 arrays that this process and a pool's workers map from one file in memory, so a
worker writes its values in place instead of sending them back through a pipe.

The file lives in /dev/shm where the system has one (memory, not disk), else in the temporary
folder, and its space is reserved when it is made (``posix_fallocate``): a folder without room
refuses it then, and :meth:`SharedArrays.create` gives None (the caller sends values back as
before), rather than a write failing half-way. Its name carries this process's id; a file left
by a process that no longer runs (killed before it could remove it) is removed by the next
:meth:`~SharedArrays.create`.
"""

import contextlib
import math
import os
import re
import tempfile
from pathlib import Path

import numpy as np

PREFIX = "secmodel-values-"
_OWNER = re.compile(re.escape(PREFIX) + r"(\d+)-")


def _folders() -> list[str]:
    """Where the file may go, best first: shared memory, then the temporary folder."""
    shm = "/dev/shm"
    return [shm, tempfile.gettempdir()] if os.path.isdir(shm) else [tempfile.gettempdir()]


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: running
        pass
    return True


def remove_left_over(folder: str) -> None:
    """Remove the files of processes that no longer run (a run killed before its end)."""
    for path in Path(folder).glob(PREFIX + "*"):
        owner = _OWNER.match(path.name)
        if owner and not _running(int(owner.group(1))):
            with contextlib.suppress(OSError):  # another user's, in a shared folder
                path.unlink(missing_ok=True)


def _values(shapes: dict[str, tuple[int, ...]]) -> int:
    """How many float64 values the file holds: those of every array (at least one: a file
    cannot map empty)."""
    return max(1, sum(math.prod(shape) for shape in shapes.values()))


class SharedArrays:
    """float64 arrays of ``shapes`` (by name) in the file at ``path``. :attr:`arrays` maps them,
    read and write, in whichever process it is asked; pickled, this is only the path and the
    shapes. :meth:`remove` deletes the file (maps made before stay valid while their arrays
    live)."""

    def __init__(self, shapes: dict[str, tuple[int, ...]], path: str):
        self.shapes, self.path = shapes, path
        self._arrays: dict[str, np.ndarray] | None = None

    @classmethod
    def create(cls, shapes: dict[str, tuple[int, ...]]) -> "SharedArrays | None":
        """The arrays in a new file with its space reserved, or None where no folder has room
        for them (or none can be written)."""
        size = 8 * _values(shapes)
        for folder in _folders():
            try:
                remove_left_over(folder)
                fd, path = tempfile.mkstemp(prefix=f"{PREFIX}{os.getpid()}-", dir=folder)
            except OSError:
                continue
            try:
                os.posix_fallocate(fd, 0, size)
            except OSError:  # no room here
                os.unlink(path)
                continue
            finally:
                os.close(fd)
            return cls(shapes, path)
        return None

    @property
    def arrays(self) -> dict[str, np.ndarray]:
        """The arrays, mapped from the file (once per process)."""
        if self._arrays is None:
            flat = np.memmap(self.path, dtype=np.float64, mode="r+", shape=(_values(self.shapes),))
            self._arrays, start = {}, 0
            for name, shape in self.shapes.items():
                size = math.prod(shape)
                self._arrays[name] = flat[start : start + size].reshape(shape)
                start += size
        return self._arrays

    def remove(self) -> None:
        """Delete the file (the arrays already mapped stay usable)."""
        Path(self.path).unlink(missing_ok=True)

    def __getstate__(self) -> dict:
        return {"shapes": self.shapes, "path": self.path, "_arrays": None}
