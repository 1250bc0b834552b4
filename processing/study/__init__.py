"""The study: a BIDS dataset of participants, visits and acquisitions.

:mod:`processing.study.model` holds the plain data classes every other layer
uses; discovery fills them lazily (headers at most, never voxel data) and
validation reports problems with a message naming the file and the fix.
"""

from processing.study.model import (
    ACQUISITION_KINDS, Acquisition, ImageFile, Participant, Study, Visit,
)

__all__ = ["ACQUISITION_KINDS", "Acquisition", "ImageFile", "Participant", "Study", "Visit"]
