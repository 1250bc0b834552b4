"""A scripted screening rater in a real window (issue 18 item 5): Xvfb, openbox and xdotool.

Makes a phantom study (``python -m app phantom DIR --visits 10 --scale small
--seed 7``), runs ``python -m app process DIR --steps candidates --participant
sub-01`` (the step pulls in the maps, registrations and resampling it reads),
starts Xvfb and, when installed, openbox (without a window manager dialogs get
no focus), then opens ``python -m app open DIR --participant sub-01 --rater
bench --screen candidates`` (``bench2``, ``bench3``, ... on a study an
earlier run walked) and walks the first ``--count`` (20) candidates of the
queue, which holds every kind of the participant (its 5 A-CMI, then its
microbleed candidates), with real keys as a rater who misses nothing: Return
(accept) on an A-CMI candidate within 3 mm of a planted A-CMI at its onset
visit and on a microbleed candidate within 5 mm of a planted microbleed (the
first one on each), Delete (reject) on the others (``--policy alternate``:
Return, Delete, ... in queue order). After
each key it waits for the decision's audit row to appear in the rater store
(read-only SQLite, from outside) and then for the window's process to be idle
(its CPU time unchanged for 0.15 s), so the redraw of the next candidate is
inside the figure. Ctrl+Q closes the window. Then the same with ``--screen
visits`` (Return on every visit). A screenshot of the root window is taken after
the first decision of each walk (``import -window root``).

Afterwards the rater store is checked: each decision is the key's, and each accepted
candidate's lesion exists (not deleted), is an A-CMI with the candidate's visit as
onset, or a CMB seen at the candidate's visit without onset.

Figures, one JSON object a line (``name, value, unit``): ``phantom_s``,
``process_candidates_s``, ``planted_acmi``, ``planted_microbleeds``, per walk
``<walk>_window_open_s``, ``<walk>_item_NN_s`` (key press to the next item's
redraw, one line per item, the item's kind and key beside), ``<walk>_items``,
``<walk>_walk_s`` (the sum of those), ``<walk>_walk_wall_s`` (first key to
the last item's redraw, everything included), ``<walk>_per_item_s``,
``<walk>_per_item_max_s``, ``<walk>_keys_lost``; ``decisions_unlike_the_key``,
``candidates_accepted``, ``accepted_lesions_ok`` (how many of them are in the store
with the right type and visit), ``app_tracebacks``. Timings are printed, never
asserted (goal of the issue: 20 candidates in under 2 minutes).

Run: ``python bench/screening_walk.py [--study DIR] [--out DIR] [--policy truth|alternate]
[--count 20]``
(an existing ``--study`` is reused: neither phantom nor processing is redone when its
candidate table exists; without one the study made in a temporary folder is removed).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from processing.candidates.accuracy import assess, truth_lesions  # noqa: E402
from processing.screening.items import participant_items  # noqa: E402

PARTICIPANT = "sub-01"


def report(name: str, value, unit: str, **beside) -> None:
    """Print one figure as a JSON line (``beside``: what the figure is of)."""
    value = round(value, 3) if isinstance(value, float) else value
    print(json.dumps({"name": name, "value": value, "unit": unit, **beside}), flush=True)


def ferret(*args: str, env: dict | None = None, log=None) -> subprocess.Popen:
    """Start ``python -m app ARGS`` from the repository root."""
    return subprocess.Popen(
        [sys.executable, "-m", "app", *args],
        cwd=ROOT,
        env=env,
        stdout=log or subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )


def prepare(study: Path) -> None:
    """Make the phantom and its candidate table unless they are there."""
    table = study / "derivatives" / "ferret" / PARTICIPANT / "candidates"
    if not study.exists():
        start = time.monotonic()
        command = ("phantom", str(study), "--visits", "10", "--scale", "small", "--seed", "7")
        if ferret(*command).wait() != 0:
            raise SystemExit("phantom failed")
        report("phantom_s", time.monotonic() - start, "s")
    if not list(table.glob("*_kind-acmi_candidates.csv")):
        start = time.monotonic()
        command = ("process", str(study), "--steps", "candidates", "--participant", PARTICIPANT)
        if ferret(*command, "--jobs", "2").wait() != 0:
            raise SystemExit("process --steps candidates failed")
        report("process_candidates_s", time.monotonic() - start, "s")


class Display:
    """An Xvfb server (1920x1080) with openbox when it is installed, or a running X ``display``."""

    def __init__(self, display: str | None = None) -> None:
        self.server = self.manager = None
        if display is not None:  # a server (with its window manager) someone else runs
            self.env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb")
            self.env.pop("XAUTHORITY", None)
            return
        read, write = os.pipe()
        self.server = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write), "-screen", "0", "1920x1080x24", "-nolisten", "tcp"],
            pass_fds=(write,),
            stderr=subprocess.DEVNULL,
        )
        os.close(write)
        with os.fdopen(read) as pipe:
            self.env = dict(os.environ, DISPLAY=f":{pipe.readline().strip()}")
        self.env["QT_QPA_PLATFORM"] = "xcb"
        self.env.pop("XAUTHORITY", None)
        if shutil.which("openbox"):
            self.manager = subprocess.Popen(
                ["openbox"], env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )

    def xdotool(self, *args: str) -> str:
        """Run xdotool on this display and return its output."""
        done = subprocess.run(
            ["xdotool", *args], env=self.env, capture_output=True, text=True, timeout=60
        )
        return done.stdout.strip()

    def screenshot(self, path: Path) -> None:
        """Write the whole screen to ``path``."""
        subprocess.run(["import", "-window", "root", str(path)], env=self.env, timeout=60)

    def close(self) -> None:
        """End openbox and Xvfb."""
        for process in (self.manager, self.server):
            if process is not None:
                process.terminate()
                process.wait(timeout=10)


def decisions(db: Path, mode: str) -> list[dict]:
    """Return the decisions of walk ``mode`` in the rater store, read-only from outside."""
    if not db.exists():
        return []
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as connection:
        rows = connection.execute(
            "SELECT field, before, after, lesion_id FROM audit WHERE action = 'screening_decision'"
        ).fetchall()
    return [
        {"item": f, "before": json.loads(b), "after": json.loads(a), "lesion": lesion}
        for f, b, a, lesion in rows
        if f.endswith(":visit") == (mode == "visits")  # sub-01:ses-02:visit, sub-01:ses-02:acmi:..
    ]


def cpu_ticks(pid: int) -> int:
    """User plus system CPU ticks of ``pid``."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def wait_until(condition, timeout: float) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError
        time.sleep(0.02)


def wait_idle(pid: int, quiet: float = 0.15, timeout: float = 60.0) -> None:
    """Wait until ``pid`` used no CPU for ``quiet`` seconds."""
    end, last, since = time.monotonic() + timeout, cpu_ticks(pid), time.monotonic()
    while time.monotonic() - since < quiet and time.monotonic() < end:
        time.sleep(0.03)
        ticks = cpu_ticks(pid)
        if ticks != last:
            last, since = ticks, time.monotonic()


def plan(study: Path, mode: str, policy: str, count: int) -> list[tuple[str, str, str]]:
    """Return ``(item ID, kind, key)`` for the first ``count`` items of the queue, in its order.

    ``truth``: Return on an A-CMI candidate within 3 mm of a planted A-CMI at
    its onset visit and on a microbleed candidate within 5 mm of a planted
    microbleed not accepted before (a rater who misses nothing and is never
    fooled), Delete on the others; ``alternate``: Return, Delete, Return, ...
    The visits: Return each.
    """
    if mode == "visits":
        visits = sorted(p.name for p in (study / PARTICIPANT).glob("ses-*"))
        return [(f"{PARTICIPANT}:{v}:visit", "visit", "Return") for v in visits]
    items = participant_items(study, PARTICIPANT)[:count]
    if policy == "alternate":
        return [(i.item_id, i.kind, ("Return", "Delete")[n % 2]) for n, i in enumerate(items)]
    lesions = truth_lesions(study, PARTICIPANT)
    planted = [lesion for lesion in lesions if lesion.type == "acmi"]
    bleeds = [lesion for lesion in lesions if lesion.type == "microbleed"]
    report("planted_acmi", len(planted), "lesions")
    report("planted_microbleeds", len(bleeds), "lesions")
    keys, taken = [], set()
    for item in items:
        row = {"session_id": item.visit, "rank": item.rank}
        row |= dict(zip("xyz", item.centre or (), strict=True))
        if item.kind == "acmi":
            true = bool(assess([row], planted)["found"])
        else:
            near = [
                b.id
                for b in bleeds
                if b.id not in taken and np.linalg.norm(np.subtract(item.centre, b.centre)) <= 5
            ]
            true = bool(near)
            taken.update(near[:1])
        keys.append((item.item_id, item.kind, "Return" if true else "Delete"))
    return keys


def fresh_rater(study: Path) -> str:
    """Return ``bench``, or ``bench2``, ``bench3``, ... when an earlier run left that rater's work."""
    folder, number = study / "derivatives" / "ferret-annotations", 1
    while (folder / f"rater-bench{number if number > 1 else ''}").exists():
        number += 1
    return f"bench{number if number > 1 else ''}"


def walk(display: Display, study: Path, rater: str, mode: str, plan: list, out: Path) -> dict:
    """Open the screening window on ``mode``, press the keys of ``plan`` (one an item), close it."""
    db = study / "derivatives/ferret-annotations" / f"rater-{rater}/{PARTICIPANT}"
    db /= f"{PARTICIPANT}_annotations.sqlite"
    log = (out / f"app_{mode}.log").open("w")
    start = time.monotonic()
    command = ("open", str(study), "--participant", PARTICIPANT, "--rater", rater)
    app = ferret(*command, "--screen", mode, env=display.env, log=log)
    window, times, lost = None, [], 0
    try:
        wait_until(lambda: display.xdotool("search", "--onlyvisible", "--name", "Ferret"), 300)
        window = display.xdotool("search", "--onlyvisible", "--name", "Ferret").split()[0]
        display.xdotool("windowactivate", "--sync", window)
        wait_idle(app.pid, quiet=1.0, timeout=300)
        report(f"{mode}_window_open_s", time.monotonic() - start, "s")
        before = {row["item"] for row in decisions(db, mode)}
        first = time.monotonic()
        for _, kind, key in [step for step in plan if step[0] not in before]:
            done, started = len(decisions(db, mode)), time.monotonic()
            display.xdotool("key", "--window", window, key)
            try:
                wait_until(lambda done=done: len(decisions(db, mode)) > done, 30)
            except TimeoutError:
                lost += 1  # the key went nowhere (focus lost?): the count says so
                continue
            wait_idle(app.pid)
            times.append(time.monotonic() - started)
            report(f"{mode}_item_{len(times):02d}_s", times[-1], "s", kind=kind, key=key)
            if len(times) == 1:
                display.screenshot(out / f"screening_{mode}.png")
        wall = time.monotonic() - first
    finally:  # the window goes, whatever happened
        if window is not None:
            display.xdotool("key", "--window", window, "ctrl+q")
        try:
            app.wait(timeout=60)
        except subprocess.TimeoutExpired:
            app.terminate()
            app.wait(timeout=30)
        log.close()
    total = sum(times)
    report(f"{mode}_items", len(times), "items")
    report(f"{mode}_walk_s", total, "s")
    report(f"{mode}_walk_wall_s", wall, "s")
    report(f"{mode}_per_item_s", total / max(1, len(times)), "s")
    report(f"{mode}_per_item_max_s", max(times, default=0.0), "s")
    report(f"{mode}_keys_lost", lost, "keys")  # the store decided nothing within 30 s
    report(f"{mode}_app_exit_status", app.returncode, "status")
    return {"new": [row for row in decisions(db, mode) if row["item"] not in before], "db": db}


def check_accepted(result: dict, plan: list) -> None:
    """Report the decisions unlike the keys pressed, and the accepted lesions the store has right.

    Right: the lesion exists (not deleted) and is an A-CMI whose onset is the
    candidate's visit, or a CMB seen at the candidate's visit (no onset).
    """
    wanted = {item_id: {"Return": "accept", "Delete": "reject"}[key] for item_id, _, key in plan}
    wrong = [row for row in result["new"] if row["after"]["decision"] != wanted[row["item"]]]
    report("decisions_unlike_the_key", len(wrong), "decisions")
    accepted = [row for row in result["new"] if row["after"]["decision"] == "accept"]
    ok = 0
    with sqlite3.connect(f"file:{result['db']}?mode=ro", uri=True) as connection:
        for row in accepted:
            found = connection.execute(
                "SELECT type, visit, onset_visit, deleted FROM lesions WHERE lesion_id = ?",
                (row["lesion"],),
            ).fetchone()
            visit = row["before"]["visit"]
            right = ("A-CMI", visit, visit, 0) if row["before"]["kind"] == "acmi" else None
            if found == (right or ("CMB", visit, None, 0)):
                ok += 1
            else:
                print(f"# accepted {row['item']}: lesion {row['lesion']} is {found}", flush=True)
    report("candidates_accepted", len(accepted), "lesions")
    report("accepted_lesions_ok", ok, "lesions")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--study", type=Path, help="reuse (or make) this study folder")
    parser.add_argument("--out", type=Path, help="screenshots and app logs (default: a temp dir)")
    parser.add_argument("--policy", choices=("truth", "alternate"), default="truth")
    parser.add_argument("--count", type=int, default=20, help="candidates to walk (default 20)")
    parser.add_argument(
        "--display", help="use this running X display (e.g. :57) instead of a new Xvfb"
    )
    args = parser.parse_args()
    scratch = tempfile.mkdtemp(prefix="ferret-screening-")
    study = args.study or Path(scratch) / "study"
    out = args.out or Path(scratch)
    out.mkdir(parents=True, exist_ok=True)
    prepare(study)
    rater = fresh_rater(study)
    print(f"# rater {rater}", flush=True)
    display = Display(args.display)
    try:
        keys = plan(study, "candidates", args.policy, args.count)
        check_accepted(walk(display, study, rater, "candidates", keys, out), keys)
        walk(display, study, rater, "visits", plan(study, "visits", args.policy, 0), out)
    finally:
        display.close()
        if args.study is None:
            shutil.rmtree(study, ignore_errors=True)  # 860 MB; the screenshots and logs stay
    logs = out.glob("app_*.log")
    report("app_tracebacks", sum(log.read_text().count("Traceback") for log in logs), "tracebacks")
    print(f"# screenshots and app logs in {out}", flush=True)


if __name__ == "__main__":
    main()
