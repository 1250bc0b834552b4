"""DICOM of one visit into the study's BIDS layout, with the field's own converters.

- :mod:`~processing.dicom.dcm2niix_run`: runs dcm2niix (PyPI wheel): a scan pass
  (sidecars only, with identity and dates, in a system temporary folder) and the
  anonymised conversion; its complaints (no DICOM, missing slices) become
  :class:`~processing.errors.FerretError`.
- :mod:`~processing.dicom.config`: the naming configuration, in dcm2bids's
  format (the shipped ``resources/dicom/siemens_reference.json`` or a study's own).
- :func:`plan_visit` (:mod:`~processing.dicom.naming`): every series matched and
  named through dcm2bids's Python API, or skipped with the reason.
- :mod:`~processing.dicom.tables`: ``participants.tsv``, ``sub-XX_sessions.tsv``
  and ``dataset_description.json``.
- :func:`import_visit` (:mod:`~processing.dicom.visit`): the whole import, atomic
  at the visit level, ending with the validation of the new visit.
"""

from typing import TYPE_CHECKING

from processing._lazy import lazy_exports

if TYPE_CHECKING:
    from processing.dicom.config import default_config_path, load_config
    from processing.dicom.naming import Placement, Plan, Skip, plan_visit
    from processing.dicom.visit import ImportResult, import_visit

# public names, imported on first use (importing a submodule stays light)
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "default_config_path": "config",
        "load_config": "config",
        "Placement": "naming",
        "Plan": "naming",
        "Skip": "naming",
        "plan_visit": "naming",
        "ImportResult": "visit",
        "import_visit": "visit",
    },
)

__all__ = [
    "ImportResult",
    "Placement",
    "Plan",
    "Skip",
    "default_config_path",
    "import_visit",
    "load_config",
    "plan_visit",
]
