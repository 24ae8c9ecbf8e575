"""A store of finished units that loses nothing: one Parquet file per unit, written atomically.

A unit's key is a hash of its full configuration and of the code that computes it (`code_hash`:
every source file that importing the experiment's module runs), so a sweep
can skip what is already there, and results of other code are never mixed in. Every file is
written to a temporary name in the same folder and renamed into place: a killed process leaves
either the whole file or no file, never a partial one, and two workers finishing the same unit
just replace one complete copy with another. A unit file that cannot be read (a damaged disk, a
copy cut short) is moved aside as `<key>.parquet.corrupt`, named in one warning, and the unit
is computed again. An unfinished unit's trainings save their state in `<key>.partial/`
(`training/checkpoint.py`), removed once the unit is stored.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.util
import json
import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

import curse_of_memory

Rows = list[dict[str, Any]]
log = logging.getLogger("curse_of_memory")


@functools.cache
def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def file_mode() -> int:
    """The mode a new file gets from the user's umask (0o644 under the usual 022)."""
    return 0o666 & ~_umask()


def folder_mode() -> int:
    return 0o777 & ~_umask()


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call write(tmp) on a temporary path beside `path`, then rename it to `path` (with the
    permissions of the user's umask, not mkstemp's 0600)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, file_mode())
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


def _module_file(name: str) -> Path | None:
    """The source file of module `name`, or None when it has none (a builtin, a namespace)."""
    module = sys.modules.get(name)
    if module is None:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            return None
        origin = spec.origin if spec is not None else None
    else:
        origin = getattr(module, "__file__", None)
    return Path(origin) if origin and origin.endswith(".py") else None


def _imports(path: Path, name: str) -> set[str]:
    """Modules that the source at `path` (module `name`) imports: `import a.b` and
    `from a import b` both count `a`, `a.b` (b may be a submodule), relative ones resolved."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_bytes())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}".rstrip(".")
            found |= {base} | {f"{base}.{alias.name}" for alias in node.names}
    # importing a.b.c runs a/__init__.py and a/b/__init__.py first
    return {".".join(parts[:i]) for parts in (m.split(".") for m in found) for i in range(1, len(parts) + 1)}


def source_closure(module_name: str) -> list[Path]:
    """The .py files that importing `module_name` runs from this package and from the module's
    own top-level package: the module, its parent packages and, transitively, what they import."""
    tops = {"curse_of_memory", module_name.partition(".")[0]}
    todo = [module_name, *(module_name.rsplit(".", i)[0] for i in range(1, module_name.count(".") + 1))]
    seen: dict[str, Path] = {}
    while todo:
        name = todo.pop()
        if name in seen or name.partition(".")[0] not in tops or (path := _module_file(name)) is None:
            continue
        seen[name] = path
        todo.extend(_imports(path, name) - seen.keys())
    return sorted(set(seen.values()))


def code_hash(run_unit: Callable | None = None) -> str:
    """A hash of the code behind a unit: the source files that importing `run_unit`'s module
    runs (`source_closure`), or every .py file of `curse_of_memory` when `run_unit` is None.
    Editing one experiment, or a model it does not use, leaves the other experiments' stored
    units and gallery entries valid."""
    if run_unit is None:
        paths = sorted(Path(curse_of_memory.__file__).parent.rglob("*.py"))
    else:
        paths = source_closure(run_unit.__module__)
    root = Path(curse_of_memory.__file__).parent.parent
    digest = hashlib.sha256()
    for path in paths:
        label = path.relative_to(root) if path.is_relative_to(root) else Path(path.name)
        digest.update(str(label).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def git_commit() -> dict[str, Any] | None:
    """{"commit", "dirty"} of the git checkout this package is imported from, or None (no git,
    or the package is an installed copy that git does not track)."""
    folder = Path(curse_of_memory.__file__).parent

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(folder), *args], capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()

    try:
        git("ls-files", "--error-unmatch", "__init__.py")
        return {"commit": git("rev-parse", "HEAD"), "dirty": bool(git("status", "--porcelain", "--", "."))}
    except (OSError, subprocess.SubprocessError):
        return None


def unit_key(config: dict[str, Any], code: str) -> str:
    """A stable hash of a JSON-able configuration and the code hash."""
    text = json.dumps({"config": config, "code": code}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


class RunStore:
    """Finished units of one experiment under `root`, as `<key>.parquet`."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / f"{key}.parquet"

    def partial(self, key: str) -> Path:
        """Where the unfinished unit `key` saves its trainings (removed once it is stored)."""
        return self.root / f"{key}.partial"

    def write(self, key: str, rows: Rows, seconds: float) -> None:
        write_rows(self.path(key), rows, {"seconds": repr(seconds)})

    def load(self, key: str) -> tuple[Rows, float] | None:
        """(rows, compute seconds recorded when the unit finished), or None when the unit is
        not there. An unreadable file is moved to `<key>.parquet.corrupt` with one warning."""
        path = self.path(key)
        if not path.exists():
            return None
        try:
            table = pq.read_table(path)
            seconds = float((table.schema.metadata or {}).get(b"seconds", b"0"))
            return table.to_pylist(), seconds
        except (OSError, ValueError, pa.ArrowException) as error:
            aside = path.with_name(path.name + ".corrupt")
            os.replace(path, aside)
            log.warning("unreadable unit file moved to %s (%s); computing it again", aside, str(error)[:120])
            return None
