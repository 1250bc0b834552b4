"""Lazy re-exports for package ``__init__`` files (PEP 562).

A package lists its public names and the submodule defining each; a name is
imported on first access, so that importing the package (or any of its
submodules) loads only what is used. Type checkers read the same names from an
``if TYPE_CHECKING:`` block of ordinary imports beside the table.

>>> getattr_, dir_ = lazy_exports("processing.fileio", {"write_json": "atomic"})
>>> getattr_("write_json").__module__
'processing.fileio.atomic'
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable


def lazy_exports(
    package: str, names: dict[str, str]
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """Return a module ``__getattr__`` and ``__dir__`` importing ``names`` on demand.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    names : dict of str to str
        Public name -> submodule that defines it: relative to ``package``, or
        absolute when it starts with ``processing.``.

    Returns
    -------
    tuple of callables
        ``(__getattr__, __dir__)`` to assign at the package's top level.
    """

    def __getattr__(name: str) -> object:
        if name not in names:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        where = names[name]
        module = where if where.startswith("processing.") else f"{package}.{where}"
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)  # the next access skips this hook
        return value

    def __dir__() -> list[str]:
        return sorted(names)

    return __getattr__, __dir__
