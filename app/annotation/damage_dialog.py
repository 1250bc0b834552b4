"""The question a rater is asked when their stored annotations turn out to be damaged.

Shown instead of opening the store (nothing has been written to it): what was
found, the newest good backup with what restoring it would lose, and three
choices. The logic (listing, losses, restoring) lives in
:mod:`processing.annotations.recovery`; this module only asks.
"""

from __future__ import annotations

from PySide6 import QtWidgets

RESTORE, VIEW, QUIT = "restore", "view", "quit"


def damage_text(error, backups: list, losses: list[str]) -> str:
    """Return the dialog's text: findings, then the newest backup and its loss.

    Without a backup, the text says that there is none.
    """
    lines = [
        f"The annotations of {error.participant} by rater {error.rater} are damaged:",
        *[f"  - {finding}" for finding in error.findings],
        "",
        "Nothing has been written to them.",
    ]
    if backups:
        lines += ["", f"Newest good backup: {backups[0].taken}", f"It {losses[0]}."]
    else:
        lines += [
            "",
            "There is no backup; `ferret annotate recover --help` lists the other ways back.",
        ]
    return "\n".join(lines)


def ask_what_to_do(parent, error, backups: list, losses: list[str]) -> str:
    """Ask the rater; return :data:`RESTORE`, :data:`VIEW` (open without rating) or :data:`QUIT`."""
    box = QtWidgets.QMessageBox(parent)
    box.setIcon(QtWidgets.QMessageBox.Warning)
    box.setWindowTitle("Damaged annotations")
    box.setText(damage_text(error, backups, losses))
    buttons = {}
    if backups:
        buttons[box.addButton("Restore the newest backup", QtWidgets.QMessageBox.AcceptRole)] = (
            RESTORE
        )
    buttons[box.addButton("Open without rating", QtWidgets.QMessageBox.RejectRole)] = VIEW
    buttons[box.addButton("Quit", QtWidgets.QMessageBox.DestructiveRole)] = QUIT
    box.exec()
    return buttons.get(box.clickedButton(), VIEW)
