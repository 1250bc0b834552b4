"""Benchmark the maps of one full-size visit as the pipeline computes them; one JSON object per line.

What is measured is what :mod:`processing.maps.steps` does, without file IO:
the automatic brain mask of each acquisition (first echo, b=0 mean, INV2),
then every fit inside that mask (:mod:`bench.maps_data` builds a synthetic
head with known truth on the real grids). ``visit_all_maps_s`` is the compute
time of all default maps of one visit in one process (MEGRE: mask, R2*
trapezoid, SWI, minIP; DWI: mask, traces, tensor OLS; R1: INV2 mask, lookup;
R2: mask, nonlinear fit), with its CPU time, the machine's load average and
the time of each acquisition's step beside it (on a shared machine the wall
time follows the other load), ``visit_peak_mb`` its peak traced memory (numpy
allocations, input arrays included).

Each other figure runs in its own subprocess (``--one NAME``). Peers on the
same data in the same run: dipy TensorModel OLS/WLS (same mask), tedana's
``fit_loglinear`` and ``fit_monoexponential`` (a separate venv, given by
``--tedana-python``; data passed as .npy; its nonlinear fit loops over voxels
with scipy's curve_fit, so it runs on ``--tedana-voxels`` voxels and its time
is scaled to the whole mask). Accuracy lines give the median absolute
relative error against the known truth in the brain (Rician noise, SNR 200
for GRE, 100 for DWI b=0).

Usage: ``python bench/maps.py [--scale 0.5] [--tedana-python /tmp/tedana-venv/bin/python]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
import maps_data as synth  # noqa: E402

R2STAR = ["r2star_trapezoid", "r2star_arlo", "r2star_loglinear", "r2star_nonlinear"]
OURS = R2STAR + [
    "swi",
    "mask_gre",
    "trace",
    "tensor_ols",
    "tensor_wls",
    "mask_inv2",
    "r1",
    "r2_loglinear",
    "r2_nonlinear",
]
PEERS = {"tensor_ols": "dipy_ols", "tensor_wls": "dipy_wls"}


def _median_error(measured, truth, where):
    return float(np.median(np.abs(measured[where] / truth[where] - 1)))


def _timed(function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def megre_maps(mag, phase, zooms, method="trapezoid"):
    """As steps.megre_step: mask on echo 1, R2* in the mask, SWI and its minIP."""
    from processing import maps
    from processing.maps.swi import minimum_intensity_projection

    mask = maps.brain_mask(mag[..., 0], zooms)
    fit = maps.R2starModel(tuple(synth.GRE_TE), method).fit(mag, mask)
    _ = fit.r2star, fit.t2star, fit.s0  # the maps are computed on access: part of the timing
    swi = maps.SWIModel().fit(mag, phase)
    minimum_intensity_projection(swi.swi, slab=4)
    return mask, fit


def dwi_maps(data, bvals, bvecs, zooms, method="ols"):
    """As steps.dwi_step: mask on the b=0 mean, traces per shell, tensor on b=0 + inner shell in the mask."""
    from processing import maps
    from processing.maps.gradients import group_shells
    from processing.maps.trace import shell_trace, tensor_volumes, weighted_shells

    shells = group_shells(bvals)
    mask = maps.brain_mask(shell_trace(data, shells[0]), zooms)
    for shell in weighted_shells(shells):
        shell_trace(data, shell)
    volumes = tensor_volumes(shells)
    fit = maps.TensorModel(bvals[volumes], bvecs[volumes], method).fit(data[..., volumes], mask)
    _ = fit.md, fit.fa  # the maps are computed on access: part of the timing
    return mask, fit


def r1_maps(inv2, uni, zooms):
    from processing import maps

    mask = maps.brain_mask(inv2, zooms)
    _ = (
        maps.R1Model(MP2RAGE).fit(uni, mask).r1
    )  # the maps are computed on access: part of the timing
    return mask


def r2_maps(data, zooms, method="nonlinear"):
    from processing import maps

    mask = maps.brain_mask(data[..., 0], zooms)
    fit = maps.R2Model(tuple(synth.MESE_TE), method).fit(data, mask)
    _ = fit.r2, fit.t2  # the maps are computed on access: part of the timing
    return mask, fit


MP2RAGE = dict(
    tr=5.0, ti1=0.7, ti2=2.5, flip1_deg=4, flip2_deg=5, echo_spacing=0.0068, slices_per_slab=176
)


def run_one(name: str, scale: float, workdir: Path) -> dict:
    """Build the acquisition's data, then time ``name`` on it (plus accuracy where truth exists)."""
    rng = np.random.default_rng(0)
    from processing import maps

    result = {}
    if name.startswith("r2star") or name in ("swi", "mask_gre"):
        mag, phase, truth, labels, zooms = synth.gre(scale, rng)
        mask = maps.brain_mask(mag[..., 0], zooms)
        start = time.perf_counter()
        if name == "mask_gre":
            maps.brain_mask(mag[..., 0], zooms)
        elif name == "swi":
            maps.SWIModel().fit(mag, phase)
        else:
            fit = maps.R2starModel(tuple(synth.GRE_TE), name.split("_")[1]).fit(mag, mask)
            _ = fit.r2star  # the maps are computed on access: part of the timing
        result["seconds"] = time.perf_counter() - start
        brain = labels == synth.BRAIN
        result["mask_dice"] = float(2 * (mask & brain).sum() / (mask.sum() + brain.sum()))
        if name.startswith("r2star"):
            result["median_error"] = _median_error(fit.r2star, truth, brain & mask)
            if name == "r2star_trapezoid":  # hand the masked voxels to the tedana peer
                np.save(workdir / "gre_voxels.npy", mag[mask])
                np.save(workdir / "gre_truth.npy", truth[mask])
                np.save(workdir / "gre_brain.npy", brain[mask])
                for method in ("loglinear", "nonlinear"):
                    np.save(
                        workdir / f"ours_{method}.npy",
                        maps.R2starModel(tuple(synth.GRE_TE), method).fit(mag, mask).r2star[mask],
                    )
    elif name in ("trace", "mask_dwi") or name.startswith(("tensor", "dipy")):
        data, bvals, bvecs, md, fa, labels, zooms = synth.dwi(scale, rng)
        from processing.maps.gradients import group_shells
        from processing.maps.trace import shell_trace, tensor_volumes

        shells = group_shells(bvals)
        mask = maps.brain_mask(shell_trace(data, shells[0]), zooms)
        volumes = tensor_volumes(shells)
        sub, b, g = np.ascontiguousarray(data[..., volumes]), bvals[volumes], bvecs[volumes]
        start = time.perf_counter()
        if name == "trace":
            for shell in shells[1:]:
                shell_trace(data, shell)
        elif name.startswith("tensor"):
            fit = maps.TensorModel(b, g, name.split("_")[1]).fit(sub, mask)
            _ = fit.md, fit.fa  # the maps are computed on access: part of the timing
        else:
            import dipy.reconst.dti as dti
            from dipy.core.gradients import gradient_table

            fit = dti.TensorModel(
                gradient_table(b, bvecs=g), fit_method=name.split("_")[1].upper()
            ).fit(sub, mask)
            _ = fit.md, fit.fa  # the maps are computed on access: part of the timing
        result["seconds"] = time.perf_counter() - start
        if name != "trace":
            brain = (labels == synth.BRAIN) & mask
            result["md_error"] = _median_error(np.asarray(fit.md), md, brain)
            result["fa_error"] = _median_error(np.asarray(fit.fa), fa, brain)
    elif name in ("r1", "mask_inv2"):
        inv2, uni, labels, zooms = synth.mp2rage(scale, rng)
        mask = maps.brain_mask(inv2, zooms)
        start = time.perf_counter()
        maps.brain_mask(inv2, zooms) if name == "mask_inv2" else maps.R1Model(MP2RAGE).fit(
            uni, mask
        ).r1
        result["seconds"] = time.perf_counter() - start
    elif name.startswith("r2_"):
        data, truth, labels, zooms = synth.mese(scale, rng)
        mask = maps.brain_mask(data[..., 0], zooms)
        start = time.perf_counter()
        fit = maps.R2Model(tuple(synth.MESE_TE), name.split("_")[1]).fit(data, mask)
        _ = fit.r2  # the maps are computed on access: part of the timing
        result["seconds"] = time.perf_counter() - start
        result["median_error"] = _median_error(fit.r2, truth, (labels == synth.BRAIN) & mask)
        result["voxels"] = int(mask.sum())
    elif name == "visit":
        result.update(run_visit(scale, rng))
    else:
        raise SystemExit(f"unknown benchmark {name}")
    import resource

    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def run_visit(scale, rng):
    """All default maps of one visit, compute only; peak traced memory of any step (its inputs included)."""
    tracemalloc.start()
    steps = (
        (lambda: synth.gre(scale, rng), lambda d: megre_maps(d[0], d[1], d[4])),
        (lambda: synth.dwi(scale, rng), lambda d: dwi_maps(d[0], d[1], d[2], d[6])),
        (lambda: synth.mp2rage(scale, rng), lambda d: r1_maps(d[0], d[1], d[3])),
        (lambda: synth.mese(scale, rng), lambda d: r2_maps(d[0], d[3])),
    )
    total, cpu, peak, per_step = 0.0, 0.0, 0.0, {}
    for name, (make, compute) in zip(("MEGRE", "DWI", "MP2RAGE", "MESE"), steps, strict=True):
        data = make()
        tracemalloc.reset_peak()
        start_cpu = time.process_time()
        seconds = _timed(compute, data)[1]
        cpu += time.process_time() - start_cpu
        per_step[name] = seconds
        total += seconds
        peak = max(peak, tracemalloc.get_traced_memory()[1] / 2**20)
        del data
    tracemalloc.stop()
    return {
        "seconds": total,
        "cpu_seconds": cpu,
        "steps": per_step,
        "traced_peak_mb": peak,
        "load_average": os.getloadavg()[0],
    }


TEDANA = """
import json, sys, time, numpy as np
from tedana import decay
work, voxels = sys.argv[1], int(sys.argv[2])
data = np.load(work + "/gre_voxels.npy").astype(np.float64)[:, :, None]
te_ms = np.arange(1, 7) * 4.92
adaptive = np.full(data.shape[0], 6)
t = time.perf_counter(); t2s, s0 = decay.fit_loglinear(data, te_ms, adaptive, report=False)[:2]
loglinear_s = time.perf_counter() - t
np.save(work + "/tedana_loglinear.npy", 1000.0 / np.asarray(t2s))
sub = data[:voxels]
t = time.perf_counter(); t2s = decay.fit_monoexponential(sub, te_ms, adaptive[:voxels], report=False, n_threads=2)[0]
nonlinear_s = (time.perf_counter() - t) * data.shape[0] / sub.shape[0]
np.save(work + "/tedana_nonlinear.npy", 1000.0 / np.asarray(t2s))
print(json.dumps({"loglinear": loglinear_s, "nonlinear": nonlinear_s}))
"""


def tedana_peer(python, workdir, voxels):
    """Run tedana on the masked GRE voxels saved by r2star_trapezoid; times (s) and accuracy."""
    out = subprocess.run(
        [python, "-c", TEDANA, str(workdir), str(voxels)], capture_output=True, text=True
    )
    if out.returncode:
        print(
            json.dumps(
                {
                    "name": "tedana peer failed",
                    "value": out.stderr.strip().splitlines()[-1:],
                    "unit": None,
                    "peer": None,
                    "peer_value": None,
                }
            )
        )
        return {}
    times = json.loads(out.stdout.strip().splitlines()[-1])
    truth, brain = np.load(workdir / "gre_truth.npy"), np.load(workdir / "gre_brain.npy")
    found = {}
    for method in ("loglinear", "nonlinear"):
        theirs, ours = (
            np.load(workdir / f"tedana_{method}.npy"),
            np.load(workdir / f"ours_{method}.npy"),
        )
        n = theirs.size
        where = brain[:n]
        from processing.maps import r2star

        voxels = np.load(workdir / "gre_voxels.npy")
        formula = getattr(r2star, f"r2star_{method}")
        formula(voxels[:50], synth.GRE_TE)  # warm-up (imports)
        ours_s = _timed(formula, voxels, synth.GRE_TE)[1]
        found[method] = {
            "seconds": times[method],
            "voxels": n,
            "ours_seconds": ours_s,
            "error": float(np.median(np.abs(theirs[where] / truth[:n][where] - 1))),
            "ours_error": float(np.median(np.abs(ours[:n][where] / truth[:n][where] - 1))),
        }
    return found


def measure(name, scale, workdir):
    out = subprocess.run(
        [sys.executable, __file__, "--one", name, "--scale", str(scale), "--workdir", str(workdir)],
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise SystemExit(f"{name} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def emit(name, value, unit, peer=None, peer_value=None):
    def rounded(v):
        return None if v is None else round(float(v), 4 if abs(float(v)) < 1 else 2)

    print(
        json.dumps(
            {
                "name": name,
                "value": rounded(value),
                "unit": unit,
                "peer": peer,
                "peer_value": rounded(peer_value),
            }
        ),
        flush=True,
    )


def report(name, ours, peer_name=None, peer=None):
    emit(
        f"{name} seconds (as the pipeline: fits inside its brain mask)",
        ours["seconds"],
        "s",
        peer_name,
        peer and peer["seconds"],
    )
    emit(
        f"{name} peak memory (process)", ours["peak_mb"], "MB", peer_name, peer and peer["peak_mb"]
    )
    for key, label in (
        ("median_error", "median |error| vs truth"),
        ("md_error", "MD median |error| vs truth"),
        ("fa_error", "FA median |error| vs truth"),
    ):
        if key in ours:
            emit(f"{name} {label}", ours[key], "fraction", peer_name, peer and peer.get(key))
    if "mask_dice" in ours and name == "mask_gre":
        emit("mask_gre Dice vs synthetic brain", ours["mask_dice"], "")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--one")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--workdir")
    parser.add_argument("--tedana-python")
    parser.add_argument("--tedana-voxels", type=int, default=20000)
    parser.add_argument("--only", help="comma-separated subset of: " + ", ".join(OURS))
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.scale, Path(args.workdir))))
        return
    with tempfile.TemporaryDirectory(prefix="ferret_bench_maps_") as tmp:
        workdir = Path(tmp)
        visit = measure("visit", args.scale, workdir)
        emit(
            "visit_all_maps_s (default maps, full-size synthetic visit, in the brain masks, no IO)",
            visit["seconds"],
            "s",
        )
        emit(
            "visit_all_maps_cpu_s (process CPU time, all threads; less sensitive to other load)",
            visit["cpu_seconds"],
            "s",
        )
        emit("machine load average (1 min) during the visit run", visit["load_average"], "")
        for step, seconds in visit["steps"].items():
            emit(f"visit step {step} seconds (mask + maps of that acquisition)", seconds, "s")
        emit(
            "visit_peak_mb (largest step: inputs + temporaries, traced numpy memory)",
            visit["traced_peak_mb"],
            "MB",
        )
        emit("visit_process_peak_mb (ru_maxrss, includes data generation)", visit["peak_mb"], "MB")
        for name in args.only.split(",") if args.only else OURS:
            ours = measure(name, args.scale, workdir)
            peer_name = PEERS.get(name)
            report(
                name,
                ours,
                peer_name,
                measure(peer_name, args.scale, workdir) if peer_name else None,
            )
        if args.tedana_python and (workdir / "gre_voxels.npy").exists():
            for method, found in tedana_peer(
                args.tedana_python, workdir, args.tedana_voxels
            ).items():
                scaled = " (scaled from its voxels)" if method == "nonlinear" else ""
                emit(
                    f"r2star_{method} seconds on the same masked voxel array vs tedana{scaled}",
                    found["ours_seconds"],
                    "s",
                    f"tedana fit_{method}",
                    found["seconds"],
                )
                emit(
                    f"r2star_{method} median |error| vs truth on tedana's {found['voxels']} voxels",
                    found["ours_error"],
                    "fraction",
                    f"tedana fit_{method}",
                    found["error"],
                )


if __name__ == "__main__":
    main()
