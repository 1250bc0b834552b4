"""File -> Import DICOM visit...: the real Canon DWI into an open study, bad input, cancel (offscreen Qt)."""

from __future__ import annotations

import gzip

import pytest
from PySide6 import QtCore

from app.dicom_import.dialog import CANCELLED
from app.main_window import MainWindow
from processing.study import discover

pytestmark = pytest.mark.gui
LEFT = QtCore.Qt.MouseButton.LeftButton
#: bounds a hang, not a speed requirement (the import takes a few seconds)
IMPORT_TIMEOUT_MS = 120_000


@pytest.fixture(scope="module")
def canon_classic(real_data, tmp_path_factory):
    """Return the 520 classic slices of the Canon DWI series 3000, gunzipped."""
    folder = tmp_path_factory.mktemp("dicom") / "canon_3000"
    folder.mkdir()
    for source in sorted((real_data / "canon_dwi" / "dicom_classic_3000").glob("*.dcm.gz")):
        with gzip.open(source) as packed:
            (folder / source.name[: -len(".gz")]).write_bytes(packed.read())
    return folder


@pytest.fixture
def window(qtbot, study_writer, tmp_path):
    win = MainWindow(discover(study_writer(tmp_path / "study")))
    qtbot.addWidget(win)
    win.start()
    win.resize(1200, 700)
    win.show()
    qtbot.waitExposed(win)
    return win


def open_dialog(window, folder):
    window.actions_by_name["import_dicom_visit"].trigger()
    dialog = window.import_dialog
    assert dialog.isVisible()
    dialog.folder.setText(str(folder))
    return dialog


def run_import(qtbot, dialog, started=False):
    if not started:
        qtbot.mouseClick(dialog.start_button, LEFT)
    assert dialog.cancel_button.isEnabled() and not dialog.start_button.isEnabled()
    qtbot.waitUntil(lambda: not dialog.runner.running, timeout=IMPORT_TIMEOUT_MS)
    qtbot.waitUntil(lambda: dialog.start_button.isEnabled(), timeout=IMPORT_TIMEOUT_MS)


def tree(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def test_the_menu_imports_the_canon_dwi_and_the_browser_shows_the_visit(
    qtbot, window, canon_classic
):
    root = window.study.root
    dialog = open_dialog(window, canon_classic)
    assert dialog.participant.currentText() == "sub-01"  # the participant shown
    assert dialog.session.text() == "ses-04"  # its next free session
    assert "ses-04" not in window.browser.sessions
    stages = []
    dialog.runner.progressed.connect(lambda _fraction, message: stages.append(message))
    # the Canon scan (2021-10-06) predates this study's 2024 visits: allowed explicitly
    dialog.earlier.setChecked(True)
    qtbot.mouseClick(dialog.start_button, LEFT)
    assert dialog.runner.running  # the click returned at once: the import runs in its thread
    run_import(qtbot, dialog, started=True)
    assert stages[0] == "reading the DICOM in canon_3000 (dcm2niix)"
    assert "converting 1 image(s) (dcm2niix)" in stages and stages[-1] == "imported sub-01 ses-04"
    assert dialog.error.text() == ""
    dwi = root / "sub-01" / "ses-04" / "dwi" / "sub-01_ses-04_dwi"
    assert f"series 3000 'DTI_PA-ortho' (3000_DTI_PA-ortho) -> {dwi}.nii.gz" in (
        dialog.report.toPlainText()
    )
    assert dialog.verdict.text().startswith("validation: 0 error(s)")
    assert "the visit is usable" in dialog.verdict.text()
    for extension in (".nii.gz", ".json", ".bval", ".bvec"):
        assert dwi.with_name(dwi.name + extension).is_file(), extension
    # the Canon scan is dated 2021-10-06 (sessions.tsv), before this study's 2024 visits:
    # the browser lists visits by date
    assert window.browser.sessions == ["ses-04", "ses-01", "ses-02", "ses-03"]
    assert window.browser.table.item(0, 1).text() == "2021-10-06"
    assert [v.session for v in window.session.grid.visible_visits()][0] == "ses-04"  # the grid too
    assert window.study.participants["sub-01"].visit("ses-04").acquisitions["dwi"]
    assert dialog.session.text() == "ses-05"  # ready for the next visit
    assert not [p for p in root.iterdir() if p.name.startswith(".ferret-import")]


def test_a_visit_older_than_the_first_is_refused_unless_allowed(qtbot, window, canon_classic):
    before = tree(window.study.root)
    dialog = open_dialog(window, canon_classic)
    run_import(qtbot, dialog)
    message = dialog.error.text()
    assert "acquired on 2021-10-06, before sub-01's first visit ses-01" in message
    assert "--earlier-visit" in message and len(message.splitlines()) == 1
    assert tree(window.study.root) == before
    assert window.browser.sessions == ["ses-01", "ses-02", "ses-03"]


def test_a_folder_without_dicom_shows_the_one_line_message_and_writes_nothing(
    qtbot, window, tmp_path
):
    folder = tmp_path / "not_dicom"
    folder.mkdir()
    (folder / "notes.txt").write_text("not an image")
    before = tree(window.study.root)
    dialog = open_dialog(window, folder)
    run_import(qtbot, dialog)
    message = dialog.error.text()
    assert message.startswith(f"{folder}: no DICOM files found") and "Fix:" in message
    assert len(message.splitlines()) == 1 and "Traceback" not in message
    assert dialog.report.toPlainText() == "" and dialog.verdict.text() == ""
    assert tree(window.study.root) == before
    assert window.browser.sessions == ["ses-01", "ses-02", "ses-03"]


def test_no_folder_given_is_said_not_imported_from_the_working_folder(qtbot, window):
    before = tree(window.study.root)
    dialog = open_dialog(window, "")
    run_import(qtbot, dialog)
    assert dialog.error.text().startswith("no DICOM folder given.")
    assert tree(window.study.root) == before


def test_cancel_leaves_no_visit_and_a_dry_run_writes_nothing(qtbot, window, canon_classic):
    root = window.study.root
    before = tree(root)
    dialog = open_dialog(window, canon_classic)
    dialog.earlier.setChecked(True)  # the 2021 scan would be refused before it could be cancelled
    qtbot.mouseClick(dialog.start_button, LEFT)
    qtbot.mouseClick(dialog.cancel_button, LEFT)
    qtbot.waitUntil(lambda: not dialog.runner.running, timeout=IMPORT_TIMEOUT_MS)
    qtbot.waitUntil(lambda: dialog.stage.text() == CANCELLED, timeout=IMPORT_TIMEOUT_MS)
    assert tree(root) == before
    dialog.dry_run.setChecked(True)
    run_import(qtbot, dialog)
    assert "would go to" in dialog.report.toPlainText()
    assert dialog.verdict.text() == "dry run: nothing was written."
    assert tree(root) == before
    assert window.browser.sessions == ["ses-01", "ses-02", "ses-03"]
