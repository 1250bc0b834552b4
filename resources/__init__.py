"""Data shipped with Ferret: default settings, rating schemas, icons (data, not code)."""

from importlib import resources as _resources
from pathlib import Path


def resource_path(*parts: str) -> Path:
    """Path of a file under ``resources/``."""
    return Path(str(_resources.files(__name__).joinpath(*parts)))
