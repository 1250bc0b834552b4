"""The naming configuration: dcm2bids's format, the shipped one or a study's own.

A configuration is a JSON object whose ``descriptions`` each give
``datatype``, ``suffix``, optional ``custom_entities`` and ``criteria`` on
sidecar fields (dcm2bids 3 format, https://unfmontreal.github.io/Dcm2Bids/).
Optional top-level keys, as in dcm2bids: ``search_method`` (``fnmatch`` or
``re``), ``case_sensitive``, ``dup_method`` (``run`` or ``dup``) and
``extractors`` (sidecar field -> regular expressions with named groups, which
fill entities such as ``echo`` or ``dir``). The shipped
``resources/dicom/siemens_reference.json`` recognises the reference study's
protocol with Siemens series descriptions.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from processing.errors import FerretError

#: the configuration used without ``--config``
DEFAULT_CONFIG = ("dicom", "siemens_reference.json")

_REQUIRED = ("datatype", "suffix", "criteria")


def default_config_path() -> Path:
    """Return the path of the shipped configuration."""
    from resources import resource_path

    return resource_path(*DEFAULT_CONFIG)


def load_config(path: str | Path | None = None) -> dict[str, Any]:
    """Read and check a naming configuration.

    Parameters
    ----------
    path : str or Path, optional
        A dcm2bids configuration file; the shipped one when None.

    Returns
    -------
    dict
        The configuration, with ``descriptions`` checked.

    Raises
    ------
    FerretError
        Unreadable, not JSON, without descriptions, a description lacking a
        required key, or a regular expression that does not compile.
    """
    path = Path(path) if path is not None else default_config_path()
    fix = (
        "write a dcm2bids configuration: {'descriptions': [{'datatype', 'suffix', 'criteria'}...]}"
    )
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise FerretError(f"cannot read the configuration ({exc.strerror}).", path, fix) from None
    except json.JSONDecodeError as exc:
        raise FerretError(
            f"the configuration is not JSON ({exc.msg}, line {exc.lineno}).", path
        ) from None
    descriptions = config.get("descriptions") if isinstance(config, dict) else None
    if not isinstance(descriptions, list) or not descriptions:
        raise FerretError("the configuration has no 'descriptions' list.", path, fix)
    for number, description in enumerate(descriptions, 1):
        lacking = [
            k for k in _REQUIRED if not isinstance(description, dict) or k not in description
        ]
        if lacking:
            raise FerretError(f"description {number} lacks {', '.join(lacking)}.", path, fix)
    method = config.get("search_method", "fnmatch")
    if method not in ("fnmatch", "re"):
        raise FerretError(
            f"search_method {method!r} is neither 'fnmatch' nor 're'.", path, "use one of those."
        )
    if method == "re":
        for description in descriptions:
            _check_patterns(description["criteria"], path)
    return config


def _check_patterns(value: Any, path: Path) -> None:
    """Compile every string pattern of a criteria tree (``re`` search method)."""
    if isinstance(value, str):
        try:
            re.compile(value)
        except re.error as exc:
            raise FerretError(
                f"the pattern {value!r} is not a regular expression ({exc}).",
                path,
                "correct it (search_method 're' uses Python regular expressions).",
            ) from None
    elif isinstance(value, dict):
        for item in value.values():
            _check_patterns(item, path)
    elif isinstance(value, list):
        for item in value:
            _check_patterns(item, path)
