"""Sequence parameters read from BIDS JSON sidecars, with errors that name what is missing.

Every function here takes an :class:`~processing.study.model.Acquisition` and
returns plain numbers in SI units (seconds, degrees as stated by the key name).
When a needed key is absent, a :class:`~processing.errors.FerretError` names
*every* missing key and the sidecar file it belongs in, so one round of fixing
the sidecars is enough.

MP2RAGE keys (BIDS names; Marques et al. 2010):

=====================  ==============================================  ==========================
parameter              BIDS key                                        file
=====================  ==============================================  ==========================
``tr``                 ``RepetitionTimePreparation``, else             either inversion
                       ``RepetitionTime``
``ti1`` / ``ti2``      ``InversionTime``                               inv-1 / inv-2
``flip1_deg`` / 2      ``FlipAngle``                                   inv-1 / inv-2
``echo_spacing``       ``RepetitionTimeExcitation`` (s)                either inversion
``slices_per_slab``    ``NumberShots``, else ``SlicesPerSlab``         either inversion
``partial_fourier``    ``PartialFourier``; default 1.0 (see below)     either inversion
``inversion_efficiency``  ``InversionEfficiency``; default 0.96        either inversion
=====================  ==============================================  ==========================

Defaults: ``PartialFourier`` defaults to 1.0 (full k-space) because many
converters omit it when no partial Fourier was used and its effect on the
lookup table is small (a few percent of T1 at 6/8); ``InversionEfficiency``
defaults to 0.96, the value of the adiabatic pulse in Marques et al. 2010.
:func:`mp2rage_defaults_used` lists the defaults applied so that validation can
warn about them. dcm2niix's ``RepetitionTime`` of an MP2RAGE inversion image is
the preparation TR (e.g. 5 s), which is why it is an accepted fallback.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np

from processing.errors import FerretError
from processing.study.model import Acquisition, ImageFile

MP2RAGE_DEFAULTS = {
    "partial_fourier": ("PartialFourier", 1.0),
    "inversion_efficiency": ("InversionEfficiency", 0.96),
}

# parameter -> (accepted keys in order of preference, which inversion: 1, 2 or None for either)
_MP2RAGE_KEYS: dict[str, tuple[tuple[str, ...], int | None]] = {
    "tr": (("RepetitionTimePreparation", "RepetitionTime"), None),
    "ti1": (("InversionTime",), 1),
    "ti2": (("InversionTime",), 2),
    "flip1_deg": (("FlipAngle",), 1),
    "flip2_deg": (("FlipAngle",), 2),
    "echo_spacing": (("RepetitionTimeExcitation",), None),
    "slices_per_slab": (("NumberShots", "SlicesPerSlab"), None),
}


def sidecar_or_expected(image: ImageFile) -> Path:
    """Return the image's JSON sidecar, or the path where it is expected."""
    if image.sidecar is not None:
        return image.sidecar
    name = image.path.name
    stem = name[: -len(".nii.gz")] if name.endswith(".nii.gz") else image.path.stem
    return image.path.with_name(stem + ".json")


def inversion_images(acq: Acquisition) -> dict[int, ImageFile]:
    """Return the magnitude image of each inversion of an MP2RAGE acquisition, keyed 1 and 2."""
    found: dict[int, ImageFile] = {}
    for image in acq.files:
        inv = image.entities.get("inv")
        if inv and inv.isdigit() and image.entities.get("part", "mag") == "mag":
            found.setdefault(int(inv), image)
    return found


def is_number(value: Any) -> bool:
    """Return True for a finite JSON number (booleans, text and lists are not numbers)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and np.isfinite(value)


def _lookup(images: list[ImageFile], keys: tuple[str, ...]) -> tuple[Any, ImageFile | None, str]:
    """``(value, image, key)`` of the first of ``keys`` present in ``images``.

    Value and image None if absent.
    """
    for key in keys:
        for image in images:
            value = image.metadata.get(key)
            if value is not None:
                return value, image, key
    return None, None, keys[0]


def not_a_number(key: str, image: ImageFile, value: Any) -> str:
    """``"FlipAngle in <sidecar> is not a number ('four')"``."""
    return f"{key} in {sidecar_or_expected(image)} is not a number ({value!r})"


def _missing_text(keys: tuple[str, ...], images: list[ImageFile], which: int | None) -> str:
    where = " or ".join(str(sidecar_or_expected(i)) for i in images) or f"the inv-{which} sidecar"
    names = " (or ".join(keys) + ")" * (len(keys) - 1)
    return f"{names} in {where}"


def mp2rage_missing(acq: Acquisition) -> list[str]:
    """Describe every MP2RAGE key needed for R1 that is absent or not a number, with its file."""
    inversions = inversion_images(acq)
    missing = [f"the inv-{n} image" for n in (1, 2) if n not in inversions]
    for keys, which in _MP2RAGE_KEYS.values():
        if which is not None and which not in inversions:
            continue  # already reported as a missing image
        images = [inversions[which]] if which else list(inversions.values())
        value, image, key = _lookup(images, keys)
        if image is None:  # no image has any of the keys (value is None)
            missing.append(_missing_text(keys, images, which))
        elif not is_number(value):
            missing.append(not_a_number(key, image, value))
    for key, _ in MP2RAGE_DEFAULTS.values():
        value, image, _ = _lookup(list(inversions.values()), (key,))
        if image is not None and not is_number(value):
            missing.append(not_a_number(key, image, value))
    return missing


def mp2rage_defaults_used(acq: Acquisition) -> list[str]:
    """Names of the sidecar keys that are absent and replaced by a documented default."""
    images = list(inversion_images(acq).values())
    return [
        f"{key} (default {value})"
        for key, value in MP2RAGE_DEFAULTS.values()
        if _lookup(images, (key,))[0] is None
    ]


def mp2rage_parameters(acq: Acquisition) -> dict[str, float]:
    """Sequence parameters needed for R1 from an MP2RAGE acquisition's sidecars.

    Returns
    -------
    dict
        ``tr``, ``ti1``, ``ti2``, ``echo_spacing`` in seconds; ``flip1_deg``,
        ``flip2_deg`` in degrees; ``slices_per_slab`` (int);
        ``partial_fourier`` (fraction, default 1.0) and
        ``inversion_efficiency`` (default 0.96).

    Raises
    ------
    FerretError
        Naming every missing (or non-numeric) key and the sidecar it should be in.
    """
    missing = mp2rage_missing(acq)
    first = acq.files[0].path if acq.files else None
    if missing:
        raise FerretError(
            "MP2RAGE parameters needed for R1 are missing: " + "; ".join(missing) + ".",
            first,
            "add these keys to the JSON sidecars (values from the scanner "
            "protocol), or provide a scanner-made T1map.",
        )
    inversions = inversion_images(acq)
    params: dict[str, float] = {}
    for name, (keys, which) in _MP2RAGE_KEYS.items():
        images = [inversions[which]] if which else list(inversions.values())
        params[name] = float(_lookup(images, keys)[0])
    params["slices_per_slab"] = int(round(params["slices_per_slab"]))
    for name, (key, default) in MP2RAGE_DEFAULTS.items():
        value = _lookup(list(inversions.values()), (key,))[0]
        params[name] = float(default if value is None else value)
    return params


def echo_times(acq: Acquisition) -> list[float]:
    """EchoTime in seconds of each echo of a multi-echo acquisition, in echo order.

    Echoes in separate files read one ``EchoTime`` per magnitude file; one 4D
    file (``Acquisition.echoes_in_volumes``) reads a list ``EchoTime``.

    Raises
    ------
    FerretError
        Naming every sidecar that lacks ``EchoTime``, or the one whose value is not a number.
    """
    images = acq.part("mag") or acq.files
    if getattr(acq, "echoes_in_volumes", False):
        values = images[0].metadata.get("EchoTime") if images else None
        if not isinstance(values, list) or len(values) < 2:
            raise FerretError(
                "this 4D multi-echo image needs EchoTime as a list (one per volume).",
                sidecar_or_expected(images[0]) if images else None,
                'write e.g. "EchoTime": [0.004, 0.008, 0.012] in seconds.',
            )
        return checked_echo_times([_echo_time(images[0], value) for value in values], images[:1])
    lacking = [str(sidecar_or_expected(i)) for i in images if i.metadata.get("EchoTime") is None]
    if lacking:
        raise FerretError(
            "EchoTime is missing in: " + ", ".join(lacking) + ".",
            images[0].path,
            "add EchoTime (seconds) to each echo's JSON sidecar, or give the echo times "
            "with ferret process --megre-echo-times (ms, comma-separated).",
        )
    return checked_echo_times(
        [_echo_time(image, image.metadata["EchoTime"]) for image in images], images
    )


def checked_echo_times(times: list[float], images: list[ImageFile]) -> list[float]:
    """Return ``times`` (s) if they are in seconds and strictly increase.

    Else a FerretError naming the sidecar.

    ``images`` are the echoes' files in echo order (one file for a 4D image).
    """

    def sidecar(n: int) -> Path:
        return sidecar_or_expected(images[min(n, len(images) - 1)])

    also = "or give the echo times with ferret process --megre-echo-times (ms, comma-separated)."
    if any(t > 1.0 for t in times):
        raise FerretError(
            f"EchoTime values {times} look like milliseconds.",
            sidecar(0),
            f"BIDS EchoTime is in seconds: divide by 1000; {also}",
        )
    for n, (a, b) in enumerate(itertools.pairwise(times)):
        if b <= a:
            what = "repeat" if a == b else "do not increase with the echo number"
            raise FerretError(
                f"echo times {times} (s) {what}.",
                sidecar(n + 1),
                f"check each echo's EchoTime against its echo-<n> entity, {also}",
            )
    return times


def _echo_time(image: ImageFile, value: Any) -> float:
    if not is_number(value) or value <= 0:
        what = (
            not_a_number("EchoTime", image, value)
            if not is_number(value)
            else f"EchoTime in {sidecar_or_expected(image)} is {value}, not a positive time"
        )
        raise FerretError(
            what + ".",
            sidecar_or_expected(image),
            'write the echo time in seconds as a positive number, e.g. "EchoTime": 0.005 '
            "(or give them all with ferret process --megre-echo-times).",
        )
    return float(value)
