"""A job: one pure step of the pipeline with explicit inputs, outputs and parameters.

A job calls ``func(*args, **params, progress=progress)``. ``func`` must be a
top-level function (so that worker processes and Dask can import it by name),
it reads only ``inputs`` and writes exactly ``outputs``, through the atomic
helpers of :mod:`processing.fileio`. Its cache key is the function's identity
and version, the hash of ``args`` and ``params`` and the checksums of its
inputs; bump ``version`` when the function's results change.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import enum
import hashlib
import json
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

ENGINE_VERSION = "engine_version"  # the attribute of a job function that :func:`versioned` sets

F = TypeVar("F", bound=Callable[..., Any])


def versioned(version: str) -> Callable[[F], F]:
    """Return a decorator recording ``version`` as the job function's results version.

    A :class:`Job` of the function without its own ``version`` uses it; bump it
    when the function's results change. The function itself is returned unchanged.
    """

    def mark(func: F) -> F:
        setattr(func, ENGINE_VERSION, version)
        return func

    return mark


def normalise_path(path: str | Path) -> Path:
    """Absolute, normalised path (no symlink resolution) used as a graph key."""
    return Path(os.path.abspath(os.fspath(path)))


@dataclass(frozen=True, eq=False, init=False)
class Job:
    """One unit of work of the job graph.

    Parameters
    ----------
    name : str
        Unique name in the graph, e.g. ``"maps sub-01 ses-02"``.
    func : callable
        Top-level function called as ``func(*args, **params, progress=p)``.
    inputs, outputs : sequence of paths
        Every file the job reads and every file it writes.
    params : mapping, optional
        Keyword parameters, part of the cache key.
    args : sequence, optional
        Positional arguments (e.g. a :class:`~processing.study.model.Visit`),
        also part of the cache key; they must be JSON-like, paths or dataclasses.
    version : str, optional
        Version of the function's results; defaults to the function's
        ``engine_version`` (see :func:`versioned`) or ``"1"``. Changing it reruns the job.
    """

    name: str
    func: Callable[..., Any]
    inputs: tuple[Path, ...]
    outputs: tuple[Path, ...]
    params: dict[str, Any]
    args: tuple[Any, ...]
    version: str | None

    def __init__(
        self,
        name: str,
        func: Callable[..., Any],
        inputs: Sequence[str | Path] = (),
        outputs: Sequence[str | Path] = (),
        params: Mapping[str, Any] | None = None,
        args: Sequence[Any] = (),
        version: str | None = None,
    ) -> None:
        # Paths are normalised here, at the boundary, so that the fields hold only absolute Paths.
        check_importable(func, name)
        if not outputs:
            raise ValueError(
                f"job {name!r} declares no outputs; a job without outputs cannot be cached."
            )
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "func", func)
        object.__setattr__(self, "inputs", tuple(normalise_path(p) for p in inputs))
        object.__setattr__(self, "outputs", tuple(normalise_path(p) for p in outputs))
        object.__setattr__(self, "params", dict(params or {}))
        object.__setattr__(self, "args", tuple(args))
        object.__setattr__(self, "version", version)

    @property
    def identity(self) -> str:
        """``module:qualname@version`` of the function."""
        version = self.version or str(getattr(self.func, ENGINE_VERSION, "1"))
        return f"{module_name(self.func)}:{self.func.__qualname__}@{version}"

    def parameter_hash(self, root: Path | None = None) -> str:
        """SHA-256 of the canonical JSON of ``args`` and ``params``.

        Paths under ``root`` are written relative to it, so that moving a
        study (or mounting it elsewhere on a cluster) keeps the cache valid.
        """
        text = canonical_json({"args": list(self.args), "params": self.params}, root)
        return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()

    def __repr__(self) -> str:
        return f"Job({self.name!r}, {self.identity}, {len(self.inputs)} inputs, {len(self.outputs)} outputs)"


def module_name(func: Callable[..., Any]) -> str:
    """Return the importable name of ``func``'s module, also when it runs as a script.

    A function of a script run as ``python step.py`` lives in ``__main__``;
    its identity uses the script's module name so that importing the same
    module elsewhere does not invalidate the cache.
    """
    name = func.__module__
    if name in ("__main__", "__mp_main__"):
        main = sys.modules.get(name)
        spec = getattr(main, "__spec__", None)
        if spec is not None and spec.name:
            return spec.name
        file = getattr(main, "__file__", None)
        if file:
            return Path(file).stem
    return name


def check_importable(func: Callable[..., Any], name: str) -> None:
    """Raise ``ValueError`` unless ``func`` is a module-level function or class."""
    qualname = getattr(func, "__qualname__", "")
    if not callable(func) or not getattr(func, "__module__", None) or not qualname:
        raise ValueError(f"job {name!r}: {func!r} is not a named function.")
    if "<locals>" in qualname or "<lambda>" in qualname:
        raise ValueError(
            f"job {name!r}: {qualname} is a local function or lambda; worker processes "
            "cannot import it. Define it at the top level of a module."
        )


def canonical_json(value: Any, root: Path | None = None) -> str:
    """Deterministic JSON of ``value`` (sorted keys; paths relative to ``root``)."""

    def default(obj: Any) -> Any:
        if isinstance(obj, Path):
            return _portable_path(obj, root)
        if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
        if isinstance(obj, (_dt.datetime, _dt.date)):
            return obj.isoformat()
        if isinstance(obj, enum.Enum):
            return obj.value
        if isinstance(obj, (set, frozenset)):
            return sorted(obj, key=repr)
        if hasattr(obj, "tolist"):
            return obj.tolist()
        raise TypeError(
            f"cannot hash a parameter of type {type(obj).__name__}; use JSON-like "
            "values, paths, numpy arrays or dataclasses of those."
        )

    return json.dumps(value, sort_keys=True, default=default, separators=(",", ":"))


def _portable_path(path: Path, root: Path | None) -> str:
    absolute = normalise_path(path)
    if root is not None:
        try:
            return "<root>/" + absolute.relative_to(normalise_path(root)).as_posix()
        except ValueError:
            pass
    return absolute.as_posix()
