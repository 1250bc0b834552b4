"""Rating mode in the app: a rater's session and the dock that shows it.

- :mod:`.rater_session`: :class:`RaterSession`, one rater on one participant,
  blinded (own annotations only, no clinical columns); Qt-free.
- :mod:`.panel`: :class:`AnnotationPanel`, tools + lesion table + rating form.
- :mod:`.attach`: :func:`attach_annotation`, one call that wires a session into
  a main window (or a list of views) from the outside.

Wiring into the main window::

    cursor = window.session.grid.cursor          # the one cursor of every view
    session = RaterSession(study.root, rater, participant, visit=visit, cursor=cursor)
    attach_annotation(window, session)          # and session.close() on quit
"""

from app.annotation.rater_session import RaterSession

__all__ = ["RaterSession", "attach_annotation", "AnnotationAttachment"]


def __getattr__(name: str):
    # the Qt parts load only when asked for, so scripts can use RaterSession without Qt
    if name in ("attach_annotation", "AnnotationAttachment"):
        from app.annotation import attach

        return getattr(attach, name)
    raise AttributeError(name)
