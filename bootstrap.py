#!/usr/bin/env python3
"""Set up Ferret on this machine and run it: ``python3 bootstrap.py demo|test [ARGS...]``.

One file, standard library only, so that it runs on a machine with nothing but
Python. Each step is skipped when already done, so a second run is fast:

1. Qt's system libraries (DESIGN section 6; for ``test`` also Xvfb and xdotool), installed
   with apt-get when missing (as root, or through sudo when available; otherwise the command
   is printed).
2. A virtual environment in ``.venv``.
3. Ferret and its Python dependencies (``pip install -e .[test]``), re-run only
   when ``pyproject.toml`` changed since the last install.
4. ``demo``: ``ferret demo ARGS`` (the app on the demo study).
   ``test``: the checks (``ruff check .``, ``ruff format --check .``, ``mypy``), then
   ``pytest ARGS`` over the whole suite. A failed check fails the command before any test
   runs; ``test --no-lint ARGS`` skips the checks (a quick local run, never CI).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
QT_LIBS = [
    "libegl1",
    "libgl1",
    "libxkbcommon0",
    "libfontconfig1",
    "libfreetype6",
    "libdbus-1-3",
    "libglib2.0-0",
    "libx11-6",
    # a real window on an X display (also under Xvfb)
    "libxcb-cursor0",
    "libxcb-icccm4",
    "libxcb-keysyms1",
    "libxcb-image0",
    "libxcb-render-util0",
    "libxcb-shape0",
    "libxcb-xkb1",
    "libxkbcommon-x11-0",
]
# the tests also drive a real window under Xvfb with xdotool
TEST_TOOLS = ["xvfb", "xauth", "xdotool", "imagemagick"]  # import: screenshots of the real window
TEST_ARGS = ["-q", "-n", "2", "--dist", "loadfile", "-p", "no:cacheprovider"]
NO_LINT = "--no-lint"
# (name, arguments of ``python -m``, what to do when it fails); mypy's files are in pyproject.toml
CHECKS = [
    ("ruff check", ["ruff", "check", "."], "fix them (`ruff check --fix .` fixes some)"),
    ("ruff format", ["ruff", "format", "--check", "."], "run `ruff format .`"),
    ("mypy", ["mypy"], "fix the type errors"),
]


def say(message: str) -> None:
    """Print one line of progress."""
    print(f"[bootstrap] {message}", flush=True)


def missing_debian_packages(names: list[str]) -> list[str]:
    """Return the Debian packages of ``names`` that are not installed (empty off Debian)."""
    if not shutil.which("dpkg-query"):
        return []
    missing = []
    for name in names:
        result = subprocess.run(
            ["dpkg-query", "-W", "-f=${Status}", name], capture_output=True, text=True
        )
        if "install ok installed" not in result.stdout:
            missing.append(name)
    return missing


def ensure_system_libraries(task: str) -> None:
    """Install Qt's system libraries (and the test tools) that are missing, or say how."""
    missing = missing_debian_packages(QT_LIBS + (TEST_TOOLS if task == "test" else []))
    if not missing:
        return
    prefix = [] if os.geteuid() == 0 else (["sudo"] if shutil.which("sudo") else None)
    command = ["apt-get", "install", "-y", "--no-install-recommends", *missing]
    if prefix is None:
        say("Qt needs these system libraries; ask an administrator to run:")
        say("  apt-get update && " + " ".join(command))
        return
    say(f"installing Qt's system libraries: {' '.join(missing)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run([*prefix, "apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run([*prefix, *command, "-qq"], check=True, env=env)


def venv_python() -> Path:
    """Return the virtual environment's Python."""
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_venv() -> Path:
    """Create the virtual environment when missing; return its Python."""
    python = venv_python()
    if not python.exists():
        say(f"creating the virtual environment in {VENV}")
        venv.EnvBuilder(with_pip=True, clear=VENV.exists()).create(VENV)
    return python


def ensure_installed(python: Path) -> None:
    """Install Ferret with its test dependencies unless pyproject.toml is unchanged since."""
    stamp = VENV / ".ferret-install-stamp"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    say("installing Ferret and its dependencies (first run takes a few minutes)")
    pip = [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-e", f"{ROOT}[test]"], check=True)
    stamp.write_text(digest)


def run_checks(python: Path) -> bool:
    """Run lint, format and type checks; on the first failure say which and return False."""
    for name, args, fix in CHECKS:
        say(f"{name} ...")
        if subprocess.run([str(python), "-m", *args], cwd=ROOT).returncode:
            say(f"FAILED: {name} (above); {fix}. The tests were not run.")
            return False
    return True


def run(task: str, args: list[str], python: Path) -> int:
    """Run the demo or the test suite; return its exit status."""
    if task == "test":
        lint = NO_LINT not in args
        args = [a for a in args if a != NO_LINT]
        if lint and not run_checks(python):
            return 1
    if task == "demo":
        command = [str(python), "-m", "app", "demo", *args]
    else:
        command = [str(python), "-m", "pytest", *TEST_ARGS, *args]
    env = dict(os.environ)
    if task == "test":
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
    return subprocess.run(command, cwd=ROOT, env=env).returncode


def main(argv: list[str]) -> int:
    """Set up what is missing, then run ``demo`` or ``test``; return the exit status."""
    if not argv or argv[0] not in ("demo", "test"):
        print(__doc__)
        return 2
    ensure_system_libraries(argv[0])
    python = ensure_venv()
    ensure_installed(python)
    return run(argv[0], argv[1:], python)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
