"""nnU-Net v2 interop for microbleeds (Qt-free): datasets out, predictions in, inference.

- :mod:`~processing.nnunet.cases`: case IDs, the channels (SWI, R2*, T2* maps)
  and ``cases.tsv``, the map from case to participant and visit.
- :mod:`~processing.nnunet.lesions`: a rater's CMB lesions present at a visit,
  and masks between the reference grid and a visit's native GRE grid.
- :mod:`~processing.nnunet.folder`: a whole folder written atomically.
- :mod:`~processing.nnunet.dataset`: ``ferret cmb export-nnunet``, the raw
  dataset (``imagesTr``, ``labelsTr``, ``dataset.json``, ``cases.tsv``).
- :mod:`~processing.nnunet.predictions`: reading and checking a predictions
  folder (label maps, ``.npz`` probabilities with a threshold).
- :mod:`~processing.nnunet.rater_import`: ``ferret annotate import-predictions``,
  predictions as a rater of their own through the normal rater store.
- :mod:`~processing.nnunet.inference`: ``ferret cmb predict``, nnU-Net's own
  predictor on a trained model folder (the optional extra ``ferret[nnunet]``),
  then the import.

nnU-Net itself is imported only by :mod:`~processing.nnunet.inference`, and
only when a prediction runs; no weights are ever downloaded.
"""
