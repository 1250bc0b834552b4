"""Lazy re-exports for package ``__init__`` files (PEP 562), through scientific Python's lazy_loader.

A package lists its public names and the submodule defining each; a name is
imported on first access, so that importing the package (or any of its
submodules) loads only what is used. Type checkers read the same names from an
``if TYPE_CHECKING:`` block of ordinary imports beside the table. The loading
itself is ``lazy_loader.attach`` (SPEC 1, as scikit-image and napari do it);
this module only turns Ferret's ``name -> submodule`` table into its argument.

>>> getattr_, dir_ = lazy_exports("processing.fileio", {"write_json": "atomic"})
>>> getattr_("write_json").__module__
'processing.fileio.atomic'
"""

from __future__ import annotations

from collections.abc import Callable

import lazy_loader


def lazy_exports(
    package: str, names: dict[str, str]
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """Return a module ``__getattr__`` and ``__dir__`` importing ``names`` on demand.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    names : dict of str to str
        Public name -> the submodule of ``package`` that defines (or imports) it.

    Returns
    -------
    tuple of callables
        ``(__getattr__, __dir__)`` to assign at the package's top level.
    """
    by_submodule: dict[str, list[str]] = {}
    for name, submodule in names.items():
        by_submodule.setdefault(submodule, []).append(name)
    getattr_, dir_, _ = lazy_loader.attach(package, submod_attrs=by_submodule)
    return getattr_, dir_
