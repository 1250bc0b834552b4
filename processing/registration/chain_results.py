"""What the registration chain produces: link records, the chain result and the composed transforms.

* :class:`PairRecord`: one link, computed or read from its stored transform.
* :class:`ChainResult`: the reference grid, every ``ref_from_acq`` matrix and
  the links' records, with their QC warnings.
* :func:`write_to_ref`: writes a composed ``from-<acq>_to-ref`` transform
  (unless the same one is stored); :func:`stored_warnings` reads the QC
  warnings back from such transforms' sidecars.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from processing.registration import store
from processing.spaces.grid import Grid
from processing.study.model import Visit

CHAIN_NOTE = (
    "links from the image towards the reference; a last link starting at the reference grid's own "
    "acquisition (visit 1's DWI) is used inverted"
)


@dataclass
class PairRecord:
    """One pairwise registration of the chain (computed or taken from the cache)."""

    path: Path
    target_from_source: np.ndarray
    metric: float | None
    flags: list[str]
    cached: bool
    target: tuple[str, str] = ("", "")
    source: tuple[str, str] = ("", "")

    @property
    def description(self) -> str:
        """``ses-03 MESE -> ses-03 UNIT1`` (session and acquisition of both ends)."""
        return f"{' '.join(self.source)} -> {' '.join(self.target)}"


@dataclass
class ChainResult:
    """The reference grid, every ``ref_from_acq`` matrix and the pairwise records."""

    reference: Grid
    reference_source: str
    ref_from: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    ref_paths: dict[tuple[str, str], Path] = field(default_factory=dict)
    pairs: list[PairRecord] = field(default_factory=list)
    anchors: dict[str, str] = field(default_factory=dict)

    @property
    def flagged(self) -> list[PairRecord]:
        """Registrations with QC flags: they are composed, but every output through them says so."""
        return [pair for pair in self.pairs if pair.flags]

    def warnings(self) -> list[str]:
        """One line per flagged registration, for the command line and logs."""
        return [
            f"QC WARNING: {pair.description}: {', '.join(pair.flags)} (metric {pair.metric}); "
            f"outputs through {pair.path.name} are suspect: check the checkerboard"
            for pair in self.flagged
        ]


def stored_warnings(to_ref_paths) -> list[str]:
    """``QC WARNING:`` lines from the QCFlags of composed ``to-ref`` transforms' sidecars (each flag once).

    Each flag names the link it comes from (``ses-02 MESE -> ses-02 UNIT1:
    poor metric``); the line names one of the outputs through it.
    """
    lines: dict[str, str] = {}
    for path in to_ref_paths:
        for flag in (store.read_sidecar(Path(path)) or {}).get("QCFlags", []):
            lines.setdefault(
                flag,
                f"QC WARNING: {flag}; outputs through this link (e.g. {Path(path).name}) "
                "are suspect: check the checkerboard",
            )
    return list(lines.values())


def write_to_ref(
    visit: Visit, key: str, matrix: np.ndarray, links: list[PairRecord], reference: str
) -> Path:
    """Write the composed ``from-<key>_to-ref`` transform; its inputs are the linked transforms."""
    links = list({link.path: link for link in links}.values())
    paths = [link.path for link in links]
    flags = [f"{link.description}: {flag}" for link in links for flag in link.flags]
    path = store.xfm_path(visit, key, "ref")
    stored = store.read_sidecar(path) or {}
    if (
        store.is_cached(path, {"reference": reference}, paths, root=visit.study_root)
        and np.allclose(store.read_matrix(path), matrix)
        and stored.get("QCFlags") == flags
    ):
        return path  # same links, same matrix, same flags (a link's flags live in its sidecar, not its .txt)
    return store.write_transform(
        path,
        matrix,
        source=key,
        target="ref",
        method="composition of registrations",
        parameters={"reference": reference},
        inputs=paths,
        Reference=reference,
        QCFlags=flags,
        Chain=[link.description for link in links],
        ChainNote=CHAIN_NOTE,
    )
