"""Quantitative maps, dipy-style Model / Fit with pure formula functions underneath.

Each model holds the acquisition facts and settings; ``model.fit(data, mask=None)``
returns a fit whose maps are cached properties (full-grid float32, 0 outside
the mask). Formulas are module-level functions with keyword-only options that
work on all voxels at once (no Python loop over voxels).

Modules
-------
r2star
    R2*, T2*, S0 from multi-echo GRE: trapezoid (default), ARLO, log-linear, nonlinear.
swi, phase
    SWI (Hamming high-pass phase mask in the acquired plane, minIP); phase units.
gradients, trace, tensor
    FSL b-vectors to world axes, shells; trace per shell; tensor OLS/WLS, MD, FA.
r1
    R1/T1 from the MP2RAGE UNI image (lookup table from :mod:`processing.forward.mp2rage`).
r2
    R2/T2 from multi-echo spin echo.
mask, skullstrip
    Automatic intracranial mask (brain + CSF inside the skull): threshold search
    for the level whose brain keeps clear of the scalp, CSF rim, closing.
expfit, varpro
    Batched mono-exponential fits shared by R2* and R2 (log-linear; nonlinear by
    variable projection without offset, float32 over voxel chunks on 2 threads;
    Levenberg-Marquardt with offset). The fits run with one BLAS thread
    (``_voxels.single_threaded_blas``).
pipeline, steps, inputs, outputs
    :func:`compute_visit_maps` for one visit: read, fit, write with provenance.

Derivative names (``Visit.derivative``, DESIGN section 4), per visit under
``<study>/derivatives/ferret/sub-XX/ses-YY/``:

- ``anat/``: ``_R2starmap``, ``_T2starmap``, ``_S0map``, ``_desc-swi_GRE``,
  ``_desc-swiminip_GRE``, ``_space-MEGRE_desc-brain_mask`` (from the MEGRE);
  ``_R1map``, ``_T1map``, ``_desc-brain_mask`` (MP2RAGE INV2 grid);
  ``_R2map``, ``_T2map``, ``_space-MESE_desc-brain_mask`` (MESE).
- ``dwi/``: ``_desc-b1000_trace`` (one per shell), ``_model-tensor_param-md_dwimap``,
  ``_model-tensor_param-fa_dwimap``, ``param-l1/l2/l3``, ``param-v1`` and
  ``param-colorfa`` (FSL dtifit's conventions), ``_desc-brain_mask`` (DWI grid).

Units: R2*, R2, R1 in 1/s; T2*, T2, T1 in s; MD in mm^2/s.
"""

from typing import TYPE_CHECKING

from processing._lazy import lazy_exports

if TYPE_CHECKING:
    from processing.maps.mask import brain_mask
    from processing.maps.outputs import MapsReport
    from processing.maps.pipeline import compute_visit_maps
    from processing.maps.r1 import R1Fit, R1Model
    from processing.maps.r2 import R2Fit, R2Model
    from processing.maps.r2star import R2starFit, R2starModel
    from processing.maps.steps import MapOptions
    from processing.maps.swi import SWIFit, SWIModel
    from processing.maps.tensor import TensorFit, TensorModel

# public names, imported on first use (importing a submodule stays light)
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "brain_mask": "mask",
        "MapsReport": "outputs",
        "compute_visit_maps": "pipeline",
        "R1Fit": "r1",
        "R1Model": "r1",
        "R2Fit": "r2",
        "R2Model": "r2",
        "R2starFit": "r2star",
        "R2starModel": "r2star",
        "MapOptions": "steps",
        "SWIFit": "swi",
        "SWIModel": "swi",
        "TensorFit": "tensor",
        "TensorModel": "tensor",
    },
)

__all__ = [
    "compute_visit_maps",
    "MapsReport",
    "MapOptions",
    "R1Fit",
    "R1Model",
    "R2Fit",
    "R2Model",
    "R2starFit",
    "R2starModel",
    "SWIFit",
    "SWIModel",
    "TensorFit",
    "TensorModel",
    "brain_mask",
]
