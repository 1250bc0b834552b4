"""``compute_visit_maps``: every map whose inputs exist for one visit.

Steps (:data:`processing.maps.steps.STEPS`) run per acquisition kind; a step
whose acquisition is absent is skipped with that reason, and a step failing
on bad input (a :class:`~processing.errors.FerretError`) is skipped with the
error's message while the others still run. Outputs go through
:class:`~processing.maps.outputs.MapWriter` (atomic, provenance sidecar,
only under ``<study>/derivatives/ferret``).
"""

from __future__ import annotations

from processing.errors import FerretError
from processing.maps.outputs import MapsReport, MapWriter
from processing.maps.steps import STEPS, MapOptions
from processing.progress import Progress, null_progress
from processing.study.model import Visit


def compute_visit_maps(
    visit: Visit,
    *,
    progress: Progress | None = None,
    options: MapOptions | None = None,
    masks: dict | None = None,
    only: tuple[str, ...] | None = None,
    **settings,
) -> MapsReport:
    """Compute and write the maps of one visit.

    Parameters
    ----------
    visit : Visit
        From :func:`processing.study.discover`.
    progress : Progress, optional
        Reports per step; cancelling raises :class:`~processing.errors.Cancelled`.
    options : MapOptions, optional
        All settings; keyword ``settings`` override single fields
        (e.g. ``r2star_method="arlo"``, ``megre_echo_times=(0.004, 0.008)``).
    masks : dict, optional
        User brain masks keyed by acquisition kind (``"MEGRE"``, ``"dwi"``,
        ``"MESE"``, ``"MP2RAGE"``), each on that acquisition's grid.
    only : tuple of str, optional
        Step names to run (``"MEGRE"``, ``"DWI"``, ``"R1"``, ``"R2"``); default all.

    Returns
    -------
    MapsReport
        Written paths by map name and skipped maps with the reason.
    """
    progress = progress or null_progress()
    options = options or MapOptions()
    for key, value in settings.items():
        if not hasattr(options, key):
            raise FerretError(f"unknown maps setting {key!r}.")
        setattr(options, key, value)
    report = MapsReport(visit.prefix)
    writer = MapWriter(visit, report)
    steps = [s for s in STEPS if only is None or s[0] in only]
    for index, (name, step, kinds) in enumerate(steps):
        progress.check()
        child = progress.child(index / len(steps), (index + 1) / len(steps))
        child.update(0.0, f"{visit.prefix}: {name}")
        if not any(kind in visit.acquisitions for kind in kinds):
            report.skipped[name] = f"no {' or '.join(kinds)} acquisition in this visit"
            continue
        try:
            step(visit, options, writer, child, masks or {})
        except FerretError as exc:
            report.skipped[name] = exc.message()
        child.update(1.0)
    progress.update(1.0, f"{visit.prefix}: maps done")
    return report
