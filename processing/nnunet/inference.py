"""``ferret cmb predict``: nnU-Net v2 inference with a trained model folder, then the import.

The model folder is what ``nnUNetv2_train`` leaves (``dataset.json``,
``plans.json``, ``fold_N/checkpoint_final.pth``); its ``channel_names`` say
which maps to feed, in which order. Every visit with those maps is written
as a case (:func:`processing.nnunet.dataset.write_images`) into a temporary
folder, nnU-Net's own ``nnUNetPredictor`` predicts on it (CPU unless told
otherwise), and the predictions are imported as a rater
(:func:`processing.nnunet.rater_import.import_predictions`). nnU-Net is the
optional extra ``ferret[nnunet]``: without it, one line says how to install
it. Nothing is downloaded: the weights are the model folder's.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from processing.errors import FerretError
from processing.nnunet.cases import CHANNELS, DATASET_NAME, Case, case_id, write_cases
from processing.nnunet.dataset import missing_channels, write_images
from processing.nnunet.rater_import import ImportReport, import_predictions
from processing.study import discover
from processing.study.model import Study

INSTALL_HINT = "install the optional extra: pip install 'ferret[nnunet]' (nnunetv2 and torch)."


def require_nnunet():
    """Return nnU-Net's ``nnUNetPredictor`` class; a one-line FerretError when nnU-Net is absent."""
    try:
        import torch  # noqa: F401 - nnU-Net needs it; checked here for a clear message
        from nnunetv2.inference.predict_from_raw_data import nnUNetPredictor
    except ImportError as exc:
        raise FerretError(
            f"nnU-Net v2 is not installed ({exc.name or exc}), so no model can run.",
            None,
            INSTALL_HINT,
        ) from None
    return nnUNetPredictor


def model_channels(model_folder: Path) -> tuple[str, ...]:
    """Return the channel options a trained model reads, in its order (from its dataset.json).

    Raises
    ------
    FerretError
        No ``dataset.json`` or ``plans.json``, or a channel Ferret does not compute.
    """
    by_name = {label.lower(): option for option, (label, _) in CHANNELS.items()}
    try:
        names = json.loads((model_folder / "dataset.json").read_text(encoding="utf-8"))
        channel_names = names["channel_names"]
    except (OSError, ValueError, KeyError):
        raise FerretError(
            "not a trained nnU-Net model folder (no readable dataset.json with channel_names).",
            model_folder,
            "give the folder holding dataset.json, plans.json and fold_N/ of nnUNetv2_train.",
        ) from None
    if not (model_folder / "plans.json").is_file():
        raise FerretError("the model folder has no plans.json.", model_folder)
    ordered = [channel_names[key] for key in sorted(channel_names, key=int)]
    unknown = [name for name in ordered if name.lower() not in by_name]
    if unknown:
        raise FerretError(
            f"the model reads channel {unknown[0]!r}, which Ferret does not compute.",
            model_folder / "dataset.json",
            f"use a model trained on {', '.join(label for label, _ in CHANNELS.values())}.",
        )
    return tuple(by_name[name.lower()] for name in ordered)


def predict(
    study_root: str | Path,
    model_folder: str | Path,
    *,
    rater: str = "nnunet",
    folds: tuple[int | str, ...] | None = None,
    checkpoint: str = "checkpoint_final.pth",
    probabilities: bool = False,
    threshold: float = 0.5,
    device: str = "cpu",
    into_human_rater: bool = False,
) -> tuple[ImportReport, list[tuple[str, str, str]]]:
    """Predict every visit with the model's maps and import the predictions as ``rater``.

    Returns
    -------
    report, skipped
        The import report and the visits not predicted, with the reason.
    """
    predictor_class = require_nnunet()
    model_folder, study = Path(model_folder), discover(study_root)
    channels = model_channels(model_folder)
    with tempfile.TemporaryDirectory(prefix="ferret-nnunet-") as tmp:
        work = Path(tmp)
        cases, skipped = write_cases_for(study, channels, work / "images")
        if not cases:
            raise FerretError(
                f"no visit has every map the model reads ({', '.join(channels)}).",
                study.derivatives,
                "compute the maps first: ferret process STUDY --steps maps.",
            )
        write_cases(work / "cases.tsv", cases)
        _run(predictor_class, model_folder, folds, checkpoint, device, work, probabilities)
        report = import_predictions(
            study.root,
            work / "predictions",
            work / "cases.tsv",
            rater,
            probabilities=probabilities,
            threshold=threshold,
            into_human_rater=into_human_rater,
        )
    return report, skipped


def write_cases_for(
    study: Study, channels: tuple[str, ...], folder: Path
) -> tuple[list[Case], list[tuple[str, str, str]]]:
    """Write the images of every visit with every channel; return the cases and the visits left out."""
    cases, skipped = [], []
    for participant in study.participants.values():
        for visit in participant.visits:
            missing = missing_channels(visit, channels)
            if missing:
                skipped.append((visit.participant, visit.session, f"no {', '.join(missing)} map"))
                continue
            name = case_id(DATASET_NAME, visit.participant, visit.session)
            write_images(folder, name, visit, channels)
            image = visit.derived[CHANNELS[channels[0]][1]].relative_to(study.root).as_posix()
            cases.append(Case(name, visit.participant, visit.session, image))
    return cases, skipped


def _run(predictor_class, model_folder, folds, checkpoint, device, work, probabilities) -> None:
    """Run nnU-Net's predictor on ``work/images`` into ``work/predictions``."""
    import torch

    for variable in ("nnUNet_raw", "nnUNet_preprocessed", "nnUNet_results"):
        os.environ.setdefault(variable, str(work))  # nnU-Net warns when these are unset
    predictor = predictor_class(
        device=torch.device(device), perform_everything_on_device=False, allow_tqdm=False
    )
    try:
        predictor.initialize_from_trained_model_folder(str(model_folder), folds, checkpoint)
    except (FileNotFoundError, RuntimeError, KeyError) as exc:
        raise FerretError(
            f"cannot load the model ({exc}).",
            model_folder,
            f"check that fold_N/{checkpoint} exists (--checkpoint, --folds).",
        ) from None
    predictor.predict_from_files(
        str(work / "images"),
        str(work / "predictions"),
        save_probabilities=probabilities,
        num_processes_preprocessing=1,
        num_processes_segmentation_export=1,
    )
