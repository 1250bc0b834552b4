"""``ferret phantom OUT``: write the synthetic phantom study with its ground truth."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

DESCRIPTION = """\
Write a synthetic longitudinal small-vessel-disease study as a BIDS dataset:
per visit an MP2RAGE (inv-1, inv-2, UNIT1), a 6-echo GRE (magnitude and phase),
a multi-echo spin echo, a FLAIR, a multi-shell DWI and a reversed-phase b=0,
each with its own head movement, grid and orientation. Planted lesions (acute
and chronic cortical microinfarcts, microbleeds, white-matter hyperintensities)
and every true parameter map are written under derivatives/phantom-truth.
Veins (sagittal sinus, cortical, deep medullary and internal cerebral veins)
are in every image unless --no-veins.
The same seed always gives the same files."""

EPILOG = """\
scales: tiny (3-5 mm voxels, seconds; for tests), small (1.2-4 mm; the demo),
full (the real protocol's 0.36-3.3 mm voxels; slow and large). At tiny and small
the cortical microinfarcts are made about 1.2x the coarsest voxel (radius ~6 and
~5 mm, in a locally thickened cortex) so that their time courses survive motion
and resampling: larger than real CMIs (< 5 mm), on purpose.

examples:
  ferret phantom demo-study
  ferret phantom /tmp/t --scale tiny --visits 4 --no-noise
  ferret phantom /tmp/still --scale tiny --no-motion
  ferret phantom /tmp/old --scale tiny --no-veins"""


def register(subparsers) -> None:
    """Add the ``phantom`` sub-command."""
    parser = subparsers.add_parser(
        "phantom",
        help="write a synthetic phantom study with known truth",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "out",
        type=Path,
        metavar="OUT",
        help="folder to create (an earlier phantom there is replaced; other content is refused)",
    )
    parser.add_argument(
        "--visits", type=int, default=10, metavar="N", help="visits per participant (default 10)"
    )
    parser.add_argument(
        "--participants",
        type=int,
        default=1,
        metavar="P",
        help="number of participants (default 1)",
    )
    parser.add_argument(
        "--scale",
        choices=("tiny", "small", "full"),
        default="small",
        help="voxel sizes (default small)",
    )
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (default 0)")
    parser.add_argument(
        "--no-noise",
        dest="noise",
        action="store_false",
        help="exact signals stored as float32 (for accuracy tests)",
    )
    parser.add_argument(
        "--no-motion",
        dest="motion",
        action="store_false",
        help="no head movement between visits or acquisitions (a test affordance: "
        "separates registration from the rest of a chain)",
    )
    parser.add_argument(
        "--no-veins",
        dest="veins",
        action="store_false",
        help="leave out the veins (sagittal sinus, cortical, medullary and internal cerebral "
        "veins); everything else is the same, byte for byte",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Generate the study and print what was written."""
    from processing.phantom import make_phantom_study
    from processing.progress import Progress

    last = [-1]

    def show(fraction: float, message: str) -> None:
        percent = int(fraction * 100)
        if percent != last[0] and sys.stderr.isatty():
            print(f"\r{percent:3d}% {message:<40}", end="", file=sys.stderr, flush=True)
        last[0] = percent

    start = time.perf_counter()
    root = make_phantom_study(
        args.out,
        participants=args.participants,
        visits=args.visits,
        scale=args.scale,
        seed=args.seed,
        noise=args.noise,
        motion=args.motion,
        veins=args.veins,
        progress=Progress(show),
    )
    if sys.stderr.isatty():
        print(file=sys.stderr)
    images = sorted(root.glob("sub-*/ses-*/*/*.nii.gz"))
    truth = sorted((root / "derivatives" / "phantom-truth").rglob("*.nii.gz"))
    size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    print(f"wrote phantom study {root}")
    print(
        f"  {args.participants} participant(s) x {args.visits} visit(s), "
        f"scale {args.scale}, seed {args.seed}, "
        f"noise {'on' if args.noise else 'off'}, motion {'on' if args.motion else 'off'}, "
        f"veins {'on' if args.veins else 'off'}"
    )
    print(
        f"  {len(images)} images, {len(truth)} truth maps, {size / 1e6:.1f} MB "
        f"in {time.perf_counter() - start:.1f} s"
    )
    print(
        f"  truth: {root / 'derivatives' / 'phantom-truth'} "
        "(read with processing.phantom.load_truth)"
    )
    return 0
