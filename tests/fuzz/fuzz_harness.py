"""The hostile-input harness: damage a valid study one way, run commands, demand a clean refusal.

A :class:`FuzzCase` names its class (``nifti``, ``gzip``, ``sidecar``,
``gradients``, ``tsv``, ``layout``, ``annotations``, ``outputs``), how to damage a
fresh copy of a valid study, which file the message must name, and which
commands to run. :func:`check_case` asserts, for every command of the case:

- no traceback in anything printed (stdout, stderr, background threads);
- exit status 1 for ``validate`` and 2 for every other command;
- a line that names the damaged file and says what to do (``Fix:``);
- every raw file of the study byte-identical afterwards, no new file outside
  ``derivatives/``, and the named file itself unchanged (nothing is rebuilt or
  "repaired" over damage without the user's choice).

Commands run in-process (``app.cli.main``) so a case costs milliseconds, with a
watchdog that ends the test worker loudly if a command hangs. Each ``test_fuzz_*``
module defines ``CASES``; ``test_fuzz_count.py`` counts them across modules.
"""

from __future__ import annotations

import contextlib
import faulthandler
import hashlib
import io
import os
import shutil
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HANG_SECONDS = 120

# Command templates: ``{study}`` and ``{out}`` are filled in per run.
COMMANDS: dict[str, list[str]] = {
    "validate": ["validate", "{study}"],
    "process": ["process", "{study}", "--steps", "maps", "--jobs", "1"],
    "register": ["process", "{study}", "--steps", "register", "--jobs", "1"],
    "export": ["export", "{study}", "--rater", "fz", "--out", "{out}"],
    "timecourses": ["timecourses", "{study}", "--rater", "fz", "--out", "{out}/tc.csv"],
}


@dataclass(frozen=True)
class FuzzCase:
    """One kind of damage and what must happen.

    Attributes
    ----------
    name : str
        Short unique ID, ``class/what``, e.g. ``gzip/crc``.
    damage : callable
        ``damage(study) -> Path``: damages the study in place and returns the
        file (or folder) every message must name.
    commands : tuple of str
        Keys of :data:`COMMANDS` (or full argument lists) to run.
    setup : callable, optional
        ``setup(study)`` run on the fresh copy before the damage (e.g. make a
        rater store that the damage then breaks).
    study : str
        Which pristine study to copy: ``tiny`` (1 participant, 2 visits of
        6x6x4 images, :func:`processing.study.example.write_tiny_study`).
    """

    name: str
    damage: Callable[[Path], Path]
    commands: tuple = ("validate", "process")
    setup: Callable[[Path], None] | None = None
    study: str = "tiny"
    expect_status: dict = field(default_factory=dict)

    @property
    def kind(self) -> str:
        """The class of damage (the part of the name before the slash)."""
        return self.name.split("/")[0]


def check_case(case: FuzzCase, pristine: Path, workdir: Path) -> None:
    """Copy ``pristine``, damage it, run every command, assert the harness's rules."""
    study = workdir / "study"
    shutil.copytree(pristine, study, symlinks=True)
    if case.setup is not None:
        case.setup(study)
    named = Path(case.damage(study))
    before_raw, before_named = raw_snapshot(study), file_digest(named)
    for n, command in enumerate(case.commands):
        argv, expected = command_line(command, study, workdir / f"out{n}", case)
        status, output = run_cli(argv)
        where = f"case {case.name}, command {' '.join(argv)}:\n{output}"
        assert "Traceback" not in output, where
        assert status == expected, f"exit status {status}, expected {expected}; {where}"
        assert names_file_with_fix(output, named, study), (
            f"no line names {named} with a Fix; {where}"
        )
        assert raw_snapshot(study) == before_raw, f"raw study changed; {where}"
        assert file_digest(named) == before_named, f"{named} was changed; {where}"


def command_line(command, study: Path, out: Path, case: FuzzCase) -> tuple[list[str], int]:
    """Return the argument list of ``command`` and its expected exit status."""
    template = COMMANDS[command] if isinstance(command, str) else list(command)
    argv = [part.format(study=study, out=out) for part in template]
    key = command if isinstance(command, str) else argv[0]
    default = 1 if argv[0] == "validate" else 2
    return argv, case.expect_status.get(key, default)


def run_cli(argv: list[str]) -> tuple[int, str]:
    """Run ``ferret argv`` in this process; return its status and everything it printed."""
    from app.cli import main

    buffer = io.StringIO()
    faulthandler.dump_traceback_later(HANG_SECONDS, exit=True)
    try:
        with (
            contextlib.redirect_stdout(buffer),
            contextlib.redirect_stderr(buffer),
            _thread_errors(buffer),
        ):
            try:
                status = main(argv)
            except SystemExit as exc:  # argparse
                status = exc.code if isinstance(exc.code, int) else 2
    finally:
        faulthandler.cancel_dump_traceback_later()
    return status, buffer.getvalue()


@contextlib.contextmanager
def _thread_errors(buffer: io.StringIO):
    """Route uncaught exceptions of threads into ``buffer`` (they would print a traceback)."""
    import threading
    import traceback

    previous = threading.excepthook
    threading.excepthook = lambda args: buffer.write(
        "".join(traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback))
    )
    try:
        yield
    finally:
        threading.excepthook = previous


def names_file_with_fix(output: str, named: Path, study: Path) -> bool:
    """Return True when one printed line names ``named`` (absolute or study-relative) and gives a fix."""
    spellings = {str(named), os.path.relpath(named, study)}
    return any("Fix:" in line and any(s in line for s in spellings) for line in output.splitlines())


def raw_snapshot(study: Path) -> dict[str, str]:
    """``{relative path: digest}`` of everything outside ``derivatives/`` (kinds for non-files)."""
    snapshot = {}
    for dirpath, dirnames, filenames in os.walk(study, followlinks=False):
        relative_dir = Path(dirpath).relative_to(study)
        if relative_dir.parts[:1] == ("derivatives",):
            dirnames[:] = []
            continue
        for name in filenames + [d for d in dirnames if (Path(dirpath) / d).is_symlink()]:
            path = Path(dirpath) / name
            snapshot[str(relative_dir / name)] = file_digest(path)
    return snapshot


def file_digest(path: Path) -> str:
    """SHA-256 of a regular file; for anything else its kind (never opens a FIFO or device)."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return "missing"
    if stat.S_ISLNK(info.st_mode):
        return f"link->{os.readlink(path)}"
    if not stat.S_ISREG(info.st_mode):
        return f"mode-{stat.S_IFMT(info.st_mode):o}"
    if not os.access(path, os.R_OK) and os.geteuid() != 0:
        return f"unreadable-{info.st_size}-{info.st_mtime_ns}"
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def rewritten(
    path_of: Callable[[Path], Path], change: Callable[[bytes], bytes]
) -> Callable[[Path], Path]:
    """Return a damage: replace the bytes of ``path_of(study)`` with ``change(bytes)``; names that file."""

    def damage(study: Path) -> Path:
        path = path_of(study)
        path.write_bytes(change(path.read_bytes()))
        return path

    return damage


def replaced(
    path_of: Callable[[Path], Path], make: Callable[[Path], object]
) -> Callable[[Path], Path]:
    """Return a damage: remove ``path_of(study)`` (file, link or folder), then ``make(path)`` there.

    ``make`` may make nothing.
    """

    def damage(study: Path) -> Path:
        path = path_of(study)
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
        make(path)
        return path

    return damage


def case_ids(cases: list[FuzzCase]) -> list[str]:
    """Test IDs: the case names."""
    return [case.name for case in cases]
