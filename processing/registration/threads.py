"""ITK's global thread count, pinned while a registration runs.

A registration method's own thread count (``RegistrationParams.threads``)
does not cover every filter ITK runs for it: the pyramid's smoothing and
resampling and the metric's helpers take ITK's *global* default, which is
the number of cores. With that default, two fresh runs on the same images
differed by up to 5e-3 in matrix elements; with the global count pinned to
the registration's own, they are bit-identical (so a rerun after a crash
reproduces the clean run, and 1 worker equals 2 workers or Dask).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import SimpleITK as sitk

_LOCK = threading.RLock()


@contextlib.contextmanager
def itk_threads(count: int) -> Iterator[None]:
    """Set ITK's global default number of threads to ``count`` (at least 1); restore it on exit.

    The global setting is process-wide, so threads of one process entering
    this block run their registrations one at a time (worker processes and
    Dask workers are separate processes and run in parallel).

    Examples
    --------
    >>> before = sitk.ProcessObject.GetGlobalDefaultNumberOfThreads()
    >>> with itk_threads(1):
    ...     sitk.ProcessObject.GetGlobalDefaultNumberOfThreads()
    1
    >>> sitk.ProcessObject.GetGlobalDefaultNumberOfThreads() == before
    True
    """
    with _LOCK:
        previous = sitk.ProcessObject.GetGlobalDefaultNumberOfThreads()
        sitk.ProcessObject.SetGlobalDefaultNumberOfThreads(max(1, int(count)))
        try:
            yield
        finally:
            sitk.ProcessObject.SetGlobalDefaultNumberOfThreads(previous)
