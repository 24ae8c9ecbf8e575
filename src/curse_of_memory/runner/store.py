"""A store of finished units that loses nothing: one Parquet file per unit, written atomically.

A unit's key is a hash of its full configuration and of the package version, so a sweep can
skip what is already there, and results of an older version of the code are never mixed in.
Every file is written to a temporary name in the same folder and renamed into place: a
killed process leaves either the whole file or no file, never a partial one, and two workers
finishing the same unit just replace one complete copy with another.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from curse_of_memory import __version__

Rows = list[dict[str, Any]]


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call write(tmp) on a temporary path beside `path`, then rename it to `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_rows(path: Path, rows: Rows, metadata: dict[str, str] | None = None) -> None:
    """Rows as a Parquet table, atomically. Rows may have different keys (kinds of
    measurement): the columns are their union, missing values are null."""
    columns = list(dict.fromkeys(k for row in rows for k in row))
    table = pa.Table.from_pylist([{k: row.get(k) for k in columns} for row in rows])
    if metadata:
        table = table.replace_schema_metadata({k.encode(): v.encode() for k, v in metadata.items()})
    atomic_write(path, lambda tmp: pq.write_table(table, tmp))


def read_rows(path: Path) -> Rows:
    return pq.read_table(path).to_pylist()


def unit_key(config: dict[str, Any]) -> str:
    """A stable hash of a JSON-able configuration and the package version."""
    text = json.dumps({"config": config, "version": __version__}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


class RunStore:
    """Finished units of one experiment under `root`, as `<key>.parquet`."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / f"{key}.parquet"

    def has(self, key: str) -> bool:
        return self.path(key).exists()

    def write(self, key: str, rows: Rows, seconds: float) -> None:
        write_rows(self.path(key), rows, {"seconds": repr(seconds), "version": __version__})

    def read(self, key: str) -> Rows:
        return read_rows(self.path(key))

    def seconds(self, key: str) -> float:
        """Compute time recorded when the unit finished."""
        meta = pq.read_schema(self.path(key)).metadata or {}
        return float(meta.get(b"seconds", b"0"))
