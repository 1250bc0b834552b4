r"""Synthetic Siemens-like DICOM of a phantom visit's multi-echo GRE, written with pydicom.

The magnitude of all echoes is one series and the phase the next, as a
Siemens scanner exports a ``gre`` with magnitude and phase (``ORIGINAL\PRIMARY\M\ND``
and ``ORIGINAL\PRIMARY\P\ND``, the same ``SeriesDescription``). Each slice of
each echo is one MR Image Storage instance with ``EchoTime`` (ms) and
``EchoNumbers``.

Geometry: NIfTI voxel ``(i, j, k)`` is column ``i``, row ``j`` of slice ``k``;
``ImagePositionPatient``, ``ImageOrientationPatient``, ``PixelSpacing`` and
``SliceThickness`` come from the NIfTI affine turned from RAS into DICOM's
LPS (x and y negated).

Storage: unsigned 16 bits. Magnitude is stored as is (the phantom writes
integers; RescaleSlope 1, RescaleIntercept 0: lossless). Phase in radians is
stored as ``round((phase - PHASE_INTERCEPT) / PHASE_SLOPE)``: steps of 1e-4 rad
(error at most 5e-5 rad) over [-3.1416, 3.4119], both DS values exact in decimal.
"""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path

import nibabel as nib
import numpy as np
from pydicom.dataset import FileMetaDataset
from pydicom.uid import MRImageStorage, generate_uid

#: phase = stored * PHASE_SLOPE + PHASE_INTERCEPT (radians)
PHASE_SLOPE, PHASE_INTERCEPT = 1e-4, -3.1416
DESCRIPTION = "gre_me3d_6echo_0.8iso"
_LPS = np.diag([-1.0, -1.0, 1.0, 1.0])


def lps_geometry(affine: np.ndarray) -> tuple[list[float], list[float], float, np.ndarray]:
    """Return ImageOrientationPatient, PixelSpacing, SliceThickness and the slice positions' map.

    Parameters
    ----------
    affine : ndarray
        A NIfTI (RAS) voxel-to-world affine with orthogonal axes.

    Returns
    -------
    orientation : list of float
        Direction of increasing column (NIfTI i), then of increasing row (j), in LPS.
    spacing : list of float
        Row spacing (along j), column spacing (along i), mm.
    thickness : float
        Spacing of the slices (along k), mm.
    lps : ndarray
        The voxel-to-LPS affine; slice ``k`` starts at ``lps @ (0, 0, k, 1)``.
    """
    lps = _LPS @ np.asarray(affine, dtype=float)
    zooms = np.linalg.norm(lps[:3, :3], axis=0)
    orientation = [*(lps[:3, 0] / zooms[0]), *(lps[:3, 1] / zooms[1])]
    return [round(v, 8) for v in orientation], [zooms[1], zooms[0]], float(zooms[2]), lps


def stored_values(data: np.ndarray, slope: float, intercept: float) -> np.ndarray:
    """Return ``data`` as uint16 ``round((data - intercept) / slope)``; fail when it does not fit."""
    stored = np.rint((np.asarray(data, dtype=np.float64) - intercept) / slope)
    if stored.min() < 0 or stored.max() > np.iinfo(np.uint16).max:
        raise ValueError(f"values {data.min()}..{data.max()} do not fit slope {slope}")
    return stored.astype(np.uint16)


def common_dataset(sidecar: dict, when: _dt.datetime, study_uid: str, frame_uid: str) -> dict:
    """Return the keywords every instance of the visit shares (patient, study, protocol)."""
    return {
        "SOPClassUID": MRImageStorage,
        "Modality": "MR",
        "Manufacturer": "SIEMENS",
        "ManufacturerModelName": "Prisma_fit",
        "MagneticFieldStrength": sidecar.get("MagneticFieldStrength", 3.0),
        "PatientName": "Phantom^Synthetic",
        "PatientID": "PHANTOM01",
        "PatientBirthDate": "19500101",
        "PatientSex": "O",
        "StudyInstanceUID": study_uid,
        "FrameOfReferenceUID": frame_uid,
        "StudyID": "1",
        "StudyDate": when.strftime("%Y%m%d"),
        "StudyTime": when.strftime("%H%M%S"),
        "SeriesDate": when.strftime("%Y%m%d"),
        "AcquisitionDate": when.strftime("%Y%m%d"),
        "AcquisitionTime": when.strftime("%H%M%S.%f"),
        "ScanningSequence": "GR",
        "SequenceVariant": "SP",
        "MRAcquisitionType": "3D",
        "RepetitionTime": sidecar["RepetitionTime"] * 1000.0,
        "FlipAngle": sidecar["FlipAngle"],
        "SamplesPerPixel": 1,
        "PhotometricInterpretation": "MONOCHROME2",
        "BitsAllocated": 16,
        "BitsStored": 16,
        "HighBit": 15,
        "PixelRepresentation": 0,
    }


def write_series(folder: Path, echoes: list[tuple[np.ndarray, dict]], series: dict, common: dict):
    """Write one series: every slice of every echo, one file each.

    Parameters
    ----------
    folder : Path
        Where the files go (created).
    echoes : list of (ndarray, dict)
        Per echo: the NIfTI image data (stored uint16) and its sidecar (``EchoTime``
        in s, ``EchoNumber``).
    series : dict
        ``SeriesNumber``, ``SeriesDescription``, ``ImageType``, ``RescaleSlope``,
        ``RescaleIntercept``, ``affine`` (the NIfTI affine) and optionally
        ``EchoTrainLength``.
    common : dict
        :func:`common_dataset`.
    """
    from pydicom.dataset import Dataset

    folder.mkdir(parents=True, exist_ok=True)
    orientation, spacing, thickness, lps = lps_geometry(series["affine"])
    normal = np.cross(orientation[:3], orientation[3:])
    series_uid = generate_uid(entropy_srcs=[common["StudyInstanceUID"], str(series)])
    number = 0
    for stored, sidecar in echoes:
        for k in range(stored.shape[2]):
            number += 1
            position = (lps @ [0.0, 0.0, k, 1.0])[:3]
            ds = Dataset()
            for key, value in common.items():
                setattr(ds, key, value)
            ds.SOPInstanceUID = generate_uid(entropy_srcs=[series_uid, str(number)])
            ds.SeriesInstanceUID = series_uid
            for key in ("SeriesNumber", "SeriesDescription", "ImageType"):
                setattr(ds, key, series[key])
            ds.ProtocolName = series["SeriesDescription"]
            ds.RescaleSlope, ds.RescaleIntercept = (
                series["RescaleSlope"],
                series["RescaleIntercept"],
            )
            ds.RescaleType = "US"
            ds.InstanceNumber = number
            ds.EchoTime = round(sidecar["EchoTime"] * 1000.0, 6)
            ds.EchoNumbers = sidecar["EchoNumber"]
            ds.EchoTrainLength = series.get("EchoTrainLength", len(echoes))
            ds.ImagePositionPatient = [round(float(v), 6) for v in position]
            ds.ImageOrientationPatient = orientation
            ds.PixelSpacing = [round(float(v), 6) for v in spacing]
            ds.SliceThickness = round(thickness, 6)
            ds.SpacingBetweenSlices = round(thickness, 6)
            ds.SliceLocation = round(float(position @ normal), 6)
            plane = np.ascontiguousarray(stored[:, :, k].T)  # rows = j, columns = i
            ds.Rows, ds.Columns = plane.shape
            ds.PixelData = plane.tobytes()
            save_instance(ds, folder / f"{series['SeriesNumber']:03d}_{number:05d}.dcm")


def save_instance(ds, path: Path) -> None:
    """Write ``ds`` as a DICOM Part 10 file (explicit VR little endian)."""
    from pydicom.uid import PYDICOM_IMPLEMENTATION_UID, ExplicitVRLittleEndian

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    ds.file_meta = meta
    ds.save_as(path, enforce_file_format=True)


def megre_echoes(anat: Path, prefix: str, part: str) -> list[tuple[nib.Nifti1Image, dict]]:
    """Return the visit's MEGRE images and sidecars of one part, by echo number."""
    found = []
    for path in sorted(anat.glob(f"{prefix}_echo-*_part-{part}_MEGRE.nii.gz")):
        sidecar = json.loads(path.with_name(path.name.replace(".nii.gz", ".json")).read_text())
        found.append((nib.load(path), sidecar))
    return sorted(found, key=lambda pair: pair[1]["EchoNumber"])


def write_megre_dicom(
    visit_dir: Path, out_dir: Path, *, first_series: int = 5, per_echo: bool = False
) -> list[Path]:
    """Write the MEGRE of a BIDS visit as Siemens-like series; return the series folders.

    Parameters
    ----------
    visit_dir : Path
        ``<study>/sub-XX/ses-YY`` holding ``anat/*_echo-*_part-{mag,phase}_MEGRE``.
    out_dir : Path
        Where the series folders go.
    first_series : int
        The magnitude's series number; the phase follows.
    per_echo : bool
        One series per echo and part (as some Siemens exports), instead of one
        series of every echo per part.
    """
    prefix = f"{visit_dir.parent.name}_{visit_dir.name}"
    parts = {p: megre_echoes(visit_dir / "anat", prefix, p) for p in ("mag", "phase")}
    first = parts["mag"][0][1]
    when = _dt.datetime.fromisoformat(first["AcquisitionDateTime"])
    study_uid = generate_uid(entropy_srcs=[str(visit_dir), "study"])
    common = common_dataset(first, when, study_uid, generate_uid(entropy_srcs=[study_uid]))
    folders, number = [], first_series
    for part, images in parts.items():
        echoes = stored_echoes(part, images)
        for group in [[e] for e in echoes] if per_echo else [echoes]:
            series = series_keywords(part, number, images[0][0].affine, len(echoes))
            folder = out_dir / f"{number:02d}_{DESCRIPTION}_{part}"
            write_series(folder, group, series, common)
            folders.append(folder)
            number += 1
    return folders


def stored_echoes(part: str, images: list[tuple[nib.Nifti1Image, dict]]) -> list:
    """Return ``(uint16 data, sidecar)`` per echo of one part (magnitude as is, phase scaled)."""
    slope, intercept = (1.0, 0.0) if part == "mag" else (PHASE_SLOPE, PHASE_INTERCEPT)
    echoes = []
    for image, sidecar in images:
        data = np.asanyarray(image.dataobj)
        if part == "mag" and not np.array_equal(data, np.rint(data)):
            raise ValueError("the magnitude is not integer: it would not be stored losslessly")
        echoes.append((stored_values(data, slope, intercept), sidecar))
    return echoes


def series_keywords(part: str, number: int, affine: np.ndarray, echo_train: int) -> dict:
    """Return the series-level values of :func:`write_series` for one part."""
    phase = part == "phase"
    return {
        "SeriesNumber": number,
        "SeriesDescription": DESCRIPTION,
        "ImageType": ["ORIGINAL", "PRIMARY", "P" if phase else "M", "ND"],
        "RescaleSlope": PHASE_SLOPE if phase else 1.0,
        "RescaleIntercept": PHASE_INTERCEPT if phase else 0.0,
        "EchoTrainLength": echo_train,
        "affine": affine,
    }
