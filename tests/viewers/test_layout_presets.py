"""One-key layouts: which modalities and visits each preset shows, and which way round (issue 12.6)."""

from __future__ import annotations

import pytest

from tests.viewers.conftest import record_events
from viewers.state.columns import COLUMNS, DEFAULT_COLUMNS
from viewers.state.layout import GridLayout
from viewers.state.layout_presets import PRESETS, apply_preset

SESSIONS = [f"ses-{n:02d}" for n in range(1, 11)]


def test_dwi_screening_shows_the_three_dwi_columns_at_every_visit_across():
    layout = GridLayout()
    events = record_events(layout.events)
    apply_preset(layout, "DWI screening", SESSIONS)
    assert layout.visible_columns() == ["b1000", "b3000", "MD"]
    assert layout.visible_rows(SESSIONS) == SESSIONS and layout.visits_across
    assert "columns" in events


@pytest.mark.parametrize(
    "onset, shown",
    [
        ("ses-04", ["ses-04", "ses-10"]),
        (None, ["ses-01", "ses-10"]),
        ("ses-99", ["ses-01", "ses-10"]),
        ("ses-10", ["ses-10"]),
    ],
)
def test_acmi_check_shows_the_onset_and_the_last_visit_down(onset, shown):
    layout = GridLayout()
    apply_preset(layout, "DWI screening", SESSIONS)
    apply_preset(layout, "A-CMI check", SESSIONS, onset=onset)
    assert layout.visible_rows(SESSIONS) == shown and not layout.visits_across
    assert layout.visible_columns() == ["b1000", "FLAIR", "R1", "SWI", "R2star"]


def test_cmb_and_all_modalities_presets_and_the_choice_survives_the_settings():
    layout = GridLayout()
    apply_preset(layout, "A-CMI check", SESSIONS, onset="ses-05")
    apply_preset(layout, "CMB", SESSIONS)
    assert layout.visible_columns() == ["SWI", "minIP", "R2star", "phase"]
    assert layout.visible_rows(SESSIONS) == SESSIONS  # the hidden visits are back
    restored = GridLayout.from_dict(layout.to_dict())
    assert restored.visits_across and restored.visible_columns() == layout.visible_columns()
    apply_preset(layout, "All modalities", SESSIONS)
    assert layout.visible_columns() == list(DEFAULT_COLUMNS) and not layout.visits_across
    assert not GridLayout.from_dict(
        {"columns": ["SWI"], "visits_across": "yes"}
    ).visits_across  # only true is true
    with pytest.raises(KeyError):
        apply_preset(layout, "Nope", SESSIONS)
    assert all(key in COLUMNS for preset in PRESETS.values() for key in preset.columns)
