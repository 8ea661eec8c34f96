"""Writing outputs atomically and reproducibly: a temp file beside the target, then a rename, so a
reader never sees half a file; fixed line endings and full float precision, so the same inputs
give the same bytes."""

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the writers take tables but need not import pandas to write them
    import pandas as pd


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and ``os.replace``."""
    write_files_atomic({Path(path): data})


def write_files_atomic(files: dict[Path, bytes]) -> None:
    """Write several files as one step: each to a temporary file beside it first, then all
    renamed; if any write fails, none of the targets is touched."""
    staged: list[tuple[str, Path]] = []
    try:
        for path, data in files.items():
            path = Path(path)
            if path.is_dir():  # the one way a rename below could fail after others are done
                raise IsADirectoryError(21, "a folder is in the way of a file", str(path))
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            staged.append((tmp, path))
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
            except OSError as exc:  # a full disk, a file-size limit: name the file meant
                raise OSError(exc.errno, exc.strerror, str(path)) from None
            os.chmod(tmp, _file_mode(path))  # mkstemp makes the file private (0600)
        for tmp, path in staged:
            os.replace(tmp, path)
    except BaseException:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
        raise


def _file_mode(path: Path) -> int:
    """The mode the file has, or what a plain open() would give a new one (0666 less umask)."""
    if path.exists():
        return path.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def csv_text(frame: "pd.DataFrame") -> str:
    """A table as CSV text: no index, '\\n' line ends, floats at full (round-trip) precision,
    missing values as empty cells."""
    return frame.to_csv(index=False, lineterminator="\n")


def write_csv_atomic(path: Path, frame: "pd.DataFrame") -> None:
    """Write a table as CSV, atomically."""
    write_bytes_atomic(path, csv_text(frame).encode("utf-8"))


def csv_files(folder: Path, tables: "dict[str, pd.DataFrame]") -> dict[Path, bytes]:
    """Tables by file name as CSV bytes to write into ``folder`` (for write_files_atomic)."""
    return {folder / name: csv_text(frame).encode("utf-8") for name, frame in tables.items()}


def projection_files(folder: Path, projection) -> dict[Path, bytes]:
    """projection.csv, events.csv and spend_by_item.csv of a Projection in ``folder``, as bytes
    to write."""
    return csv_files(
        folder,
        {
            "projection.csv": projection.table,
            "events.csv": projection.events,
            "spend_by_item.csv": projection.spend_by_item,
        },
    )


def write_projection_files(folder: Path, projection) -> None:
    """projection.csv, events.csv and spend_by_item.csv of a Projection into ``folder``,
    together."""
    write_files_atomic(projection_files(folder, projection))
