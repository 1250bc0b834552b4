"""File -> Import DICOM visit...: one visit's DICOM into the open study, off the GUI thread.

- :mod:`.form` (Qt-free): the :class:`ImportRequest` and the session a new
  visit is offered (:func:`suggested_session`).
- :mod:`.runner`: runs :func:`processing.dicom.import_visit` in a background
  thread with a cancellable :class:`~processing.progress.Progress`; progress,
  result and the one-line error arrive as queued signals in the GUI thread.
- :mod:`.dialog`: the dialog (folder, participant, session, dry run,
  overwrite), its progress bar and cancel button, and the report of the import
  (the command line's lines, :mod:`processing.dicom.report`).

The window re-discovers the study when a visit was imported
(:meth:`app.window_commands.WindowCommands.reload_study`).
"""

from app.dicom_import.dialog import ImportDicomDialog
from app.dicom_import.form import ImportRequest, suggested_session
from app.dicom_import.runner import ImportRunner

__all__ = ["ImportDicomDialog", "ImportRequest", "ImportRunner", "suggested_session"]
