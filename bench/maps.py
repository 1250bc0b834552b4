"""Benchmark every map of one full-size visit; print one JSON object per line.

Each measurement runs in its own subprocess (``python bench/maps.py --one NAME``)
so peak memory (``ru_maxrss``) belongs to that map alone. Synthetic arrays of
the real sizes (DESIGN section 1): GRE 288x288x80x6, DWI 128x128x80x101
(10 b=0, 30 b=1000, 60 b=3000, 1 extra b=0; tensor on 41 volumes), MP2RAGE
UNI at 0.85 mm whole head (224x256x256), MESE 512x512x40x8. The peer runs on
the same data in the same run: dipy TensorModel OLS and WLS for the tensor;
tedana's log-linear and nonlinear T2* fits for R2* when a tedana venv is given
(``--tedana-python /tmp/tedana-venv/bin/python``; its nonlinear fit loops over
voxels in Python, so it is timed on ``--tedana-voxels`` voxels and scaled).

Usage: ``python bench/maps.py [--scale 0.5] [--tedana-python PATH]``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TE = np.arange(1, 7) * 4.92e-3


def _shape(base, scale):
    return tuple(max(8, int(round(n * scale))) for n in base[:3]) + tuple(base[3:])


def gre(scale, rng):
    shape = _shape((288, 288, 80), scale)
    r2 = rng.uniform(10, 40, shape).astype(np.float32)
    mag = (1000 * np.exp(-r2[..., None] * TE) + rng.normal(0, 5, shape + (6,))).astype(np.float32)
    phase = rng.uniform(-np.pi, np.pi, shape + (6,)).astype(np.float32)
    return mag, phase, r2


def dwi(scale, rng):
    shape = _shape((128, 128, 80), scale)
    dirs = rng.normal(size=(90, 3))
    dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
    bvals = np.r_[np.zeros(10), np.full(30, 1000.0), np.full(60, 3000.0), 0.0]
    bvecs = np.r_[np.zeros((10, 3)), dirs, np.zeros((1, 3))]
    md = rng.uniform(0.6e-3, 1.0e-3, shape)
    v = rng.normal(size=shape + (3,))
    v /= np.linalg.norm(v, axis=-1, keepdims=True)
    d = 0.5 * md[..., None, None] * np.eye(3) + 1.5 * md[..., None, None] * v[..., :, None] * v[..., None, :]
    q = np.einsum("ni,...ij,nj->...n", bvecs, d, bvecs)
    data = (1000 * np.exp(-bvals * q) + rng.normal(0, 10, shape + (101,))).astype(np.float32)
    return np.clip(data, 1, None), bvals, bvecs


def run_one(name: str, scale: float) -> dict:
    rng = np.random.default_rng(0)
    from processing import maps

    if name.startswith("tensor") or name.startswith("dipy") or name == "trace":
        data, bvals, bvecs = dwi(scale, rng)
        volumes = np.r_[0:40, 100]
        sub, b, g = np.ascontiguousarray(data[..., volumes]), bvals[volumes], bvecs[volumes]
        start = time.perf_counter()
        if name == "trace":
            from processing.maps.gradients import group_shells
            from processing.maps.trace import shell_trace
            for shell in group_shells(bvals)[1:]:
                shell_trace(data, shell)
        elif name.startswith("tensor"):
            fit = maps.TensorModel(b, g, name.split("_")[1]).fit(sub)
            fit.md, fit.fa
        else:
            import dipy.reconst.dti as dti
            from dipy.core.gradients import gradient_table
            fit = dti.TensorModel(gradient_table(b, bvecs=g), fit_method=name.split("_")[1].upper()).fit(sub)
            fit.md, fit.fa
        return _result(name, start)
    if name.startswith("r2star") or name in ("swi", "mask"):
        mag, phase, _ = gre(scale, rng)
        start = time.perf_counter()
        if name == "swi":
            maps.SWIModel(phase_units="radians").fit(mag, phase)
        elif name == "mask":
            maps.brain_mask(mag[..., 0], (0.8, 0.8, 2.0))
        else:
            maps.R2starModel(tuple(TE), name.split("_")[1]).fit(mag).r2star
        return _result(name, start)
    if name == "r1":
        shape = _shape((224, 256, 256), scale)
        uni = rng.integers(0, 4096, shape).astype(np.float32)
        params = dict(tr=5.0, ti1=0.7, ti2=2.5, flip1_deg=4, flip2_deg=5, echo_spacing=0.0068, slices_per_slab=176)
        start = time.perf_counter()
        maps.R1Model(params).fit(uni).r1
        return _result(name, start)
    if name.startswith("r2_"):
        shape = _shape((512, 512, 40), scale)
        te = np.arange(1, 9) * 0.0115
        r2 = rng.uniform(8, 20, shape).astype(np.float32)
        data = (1000 * np.exp(-r2[..., None] * te) + rng.normal(0, 5, shape + (8,))).astype(np.float32)
        start = time.perf_counter()
        maps.R2Model(tuple(te), name.split("_")[1]).fit(data).r2
        return _result(name, start)
    raise SystemExit(f"unknown benchmark {name}")


def _result(name, start):
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"name": name, "seconds": seconds, "peak_mb": peak_mb}


OURS = ["r2star_trapezoid", "r2star_arlo", "r2star_loglinear", "r2star_nonlinear", "swi", "mask", "trace",
        "tensor_ols", "tensor_wls", "r1", "r2_loglinear", "r2_nonlinear"]
PEERS = {"tensor_ols": "dipy_ols", "tensor_wls": "dipy_wls"}
DEFAULT_VISIT = ["r2star_trapezoid", "swi", "mask", "trace", "tensor_ols", "r1", "r2_nonlinear"]


def measure(name, scale):
    out = subprocess.run([sys.executable, __file__, "--one", name, "--scale", str(scale)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def tedana_peer(python, scale, voxels):
    code = f"""
import json, time, numpy as np
from tedana import decay
rng = np.random.default_rng(0)
te = np.arange(1, 7) * 4.92
n = {voxels}
r2 = rng.uniform(10, 40, n) / 1000
data = (1000 * np.exp(-r2[:, None] * te) + rng.normal(0, 5, (n, 6)))[:, :, None]
mask = np.ones(n, bool); adaptive = np.full(n, 6)
t = time.perf_counter(); decay.fit_loglinear(data, te, adaptive)
ll = time.perf_counter() - t
t = time.perf_counter(); decay.fit_monoexponential(data, te, adaptive)
nl = time.perf_counter() - t
print(json.dumps({{"loglinear": ll, "nonlinear": nl}}))
"""
    out = subprocess.run([python, "-c", code], capture_output=True, text=True)
    if out.returncode:
        return None
    result = json.loads(out.stdout.strip().splitlines()[-1])
    full = np.prod(_shape((288, 288, 80), scale))
    return {k: v * full / voxels for k, v in result.items()}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--one")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--tedana-python")
    parser.add_argument("--tedana-voxels", type=int, default=20000)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.scale)))
        return
    tedana = tedana_peer(args.tedana_python, args.scale, args.tedana_voxels) if args.tedana_python else None
    total = 0.0
    for name in OURS:
        ours = measure(name, args.scale)
        peer_name, peer_value = PEERS.get(name), None
        if peer_name:
            peer_value = measure(peer_name, args.scale)["seconds"]
        if tedana and name in ("r2star_loglinear", "r2star_nonlinear"):
            peer_name, peer_value = f"tedana_{name.split('_')[1]} (scaled from {args.tedana_voxels} voxels)", \
                tedana[name.split("_")[1]]
        if name in DEFAULT_VISIT:
            total += ours["seconds"]
        print(json.dumps({"name": f"{name} seconds", "value": round(ours["seconds"], 3), "unit": "s",
                          "peer": peer_name, "peer_value": None if peer_value is None else round(peer_value, 3)}))
        print(json.dumps({"name": f"{name} peak memory", "value": round(ours["peak_mb"]), "unit": "MB",
                          "peer": None, "peer_value": None}))
    print(json.dumps({"name": "one visit, default maps (compute only, no IO)", "value": round(total, 2),
                      "unit": "s", "peer": None, "peer_value": None}))


if __name__ == "__main__":
    main()
