"""One-key screening and rating layouts: which modalities, which visits, which way round (no Qt).

- **DWI screening**: DWI b1000, b3000 and MD at every visit, visits across
  (a new bright dot is read along a row of the same modality);
- **A-CMI check**: DWI, FLAIR, T1 / R1, SWI and R2* at the onset visit of the
  lesion being checked and at the last visit (did it fade, cavitate, bleed?);
- **CMB**: SWI, its minimum-intensity projection, R2* and the GRE phase at
  every visit, visits across;
- **All modalities**: the default columns at every visit, visits down (the
  side panels back).

:func:`apply_preset` sets a :class:`~viewers.state.layout.GridLayout` to one;
the window decides where its panels go (:mod:`app.screen_layouts`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from viewers.state.columns import DEFAULT_COLUMNS
from viewers.state.layout import GridLayout


@dataclass(frozen=True)
class LayoutPreset:
    """A named layout.

    Attributes
    ----------
    name : str
    columns : tuple of str
        Column keys, in order.
    visits : str
        ``"all"`` or ``"onset-and-last"``.
    visits_across : bool
        Visits as the grid's columns.
    """

    name: str
    columns: tuple[str, ...]
    visits: str = "all"
    visits_across: bool = True


PRESETS: dict[str, LayoutPreset] = {
    p.name: p
    for p in (
        LayoutPreset("DWI screening", ("b1000", "b3000", "MD")),
        LayoutPreset(
            "A-CMI check", ("b1000", "FLAIR", "R1", "SWI", "R2star"), "onset-and-last", False
        ),
        LayoutPreset("CMB", ("SWI", "minIP", "R2star", "phase")),
        LayoutPreset("All modalities", DEFAULT_COLUMNS, "all", False),
    )
}


def preset_visits(
    preset: LayoutPreset, sessions: Sequence[str], onset: str | None = None
) -> list[str]:
    """Return the visits a preset shows among ``sessions`` (chronological).

    ``onset`` defaults to the first.
    """
    if preset.visits == "all" or not sessions:
        return list(sessions)
    first = onset if onset is not None and onset in sessions else sessions[0]
    return list(dict.fromkeys([first, sessions[-1]]))


def apply_preset(
    layout: GridLayout, name: str, sessions: Sequence[str], onset: str | None = None
) -> None:
    """Set ``layout`` to the preset ``name`` for a participant's ``sessions``.

    Raises
    ------
    KeyError
        For an unknown preset name.
    """
    preset = PRESETS[name]
    shown = preset_visits(preset, sessions, onset)
    layout.assign(
        GridLayout(
            preset.columns + tuple(k for k in layout.columns if k not in preset.columns),
            set(layout.columns) - set(preset.columns),
            set(sessions) - set(shown),
            preset.visits_across,
        )
    )
