"""Lesions created by a review decision: their type, visit and origin while the voxels land.

A label write into an :class:`~processing.annotations.session.AnnotationSession`
creates a lesion record for every new label value, typed and dated by the
session's ``lesion_type``, ``visit`` and ``origin`` (an A-CMI gets the visit as
its onset). :func:`creating` sets those three for the length of one write and
puts the rater's own values back afterwards, whatever happens.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from processing.annotations.session import AnnotationSession


@contextlib.contextmanager
def creating(
    session: AnnotationSession, lesion_type: str, visit: str | None, origin: str
) -> Iterator[None]:
    """Give lesions created inside the block ``lesion_type``, ``visit`` and ``origin``."""
    saved = session.lesion_type, session.visit, session.origin
    session.lesion_type, session.visit, session.origin = lesion_type, visit, origin
    try:
        yield
    finally:
        session.lesion_type, session.visit, session.origin = saved
