"""The job cache: one small JSON manifest per job in ``.ferret-cache/``.

A job is up to date when its manifest records the current function identity,
the current parameter hash and the current checksums of its inputs, and every
output still exists with the checksum recorded when it was written. The
manifest is written only after all outputs exist, so a job killed midway has
no manifest matching its state and runs again.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import re
import socket
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from processing.engine.digest import DigestMemo, FileDigest
from processing.engine.job import Job, _portable_path, normalise_path
from processing.errors import FerretError
from processing.fileio.atomic import output_error
from processing.fileio.regular import require_regular_file
from processing.study.model import DERIVATIVES_DIRNAME

CACHE_DIRNAME = ".ferret-cache"
MANIFEST_FORMAT = 1


@dataclass(frozen=True)
class CacheCheck:
    """Outcome of :meth:`Cache.check`: up to date or not, why, and the input digests."""

    current: bool
    reason: str
    inputs: dict[Path, FileDigest]


class Cache:
    """Manifests of finished jobs.

    Parameters
    ----------
    folder : path
        Folder of the manifests, normally ``<study>/derivatives/ferret/.ferret-cache``
        (see :meth:`for_study`).
    root : path, optional
        Paths under ``root`` are stored relative to it, so that the cache
        survives moving the study; defaults to ``folder``'s parent.
    """

    def __init__(self, folder: str | Path, root: str | Path | None = None):
        self.folder = normalise_path(folder)
        self.root = normalise_path(root) if root is not None else self.folder.parent
        self.memo = DigestMemo()

    @classmethod
    def for_study(cls, study_root: str | Path) -> Cache:
        """Return the cache of a study: manifests in ``derivatives/ferret/.ferret-cache``."""
        study_root = normalise_path(study_root)
        return cls(
            study_root / "derivatives" / DERIVATIVES_DIRNAME / CACHE_DIRNAME, root=study_root
        )

    def manifest_path(self, job: Job) -> Path:
        """``<folder>/<readable name>-<hash>.json`` of ``job``."""
        slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", job.name)[:80]
        digest = hashlib.sha256(job.name.encode("utf-8")).hexdigest()[:12]
        return self.folder / f"{slug}-{digest}.json"

    def load(self, job: Job) -> dict | None:
        """Return the job's manifest, or ``None`` when absent or unreadable."""
        try:
            manifest = json.loads(self.manifest_path(job).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        ok = isinstance(manifest, dict) and manifest.get("format") == MANIFEST_FORMAT
        return manifest if ok else None

    def check(self, job: Job) -> CacheCheck:
        """Whether ``job`` is up to date; hashes inputs only when their stat changed.

        Raises
        ------
        FerretError
            If an input file does not exist.
        """
        manifest = self.load(job) or {}
        recorded_inputs = self._digests(manifest.get("inputs", {}))
        inputs = {p: self._input_digest(job, p, recorded_inputs.get(p)) for p in job.inputs}
        reason = self._stale_reason(job, manifest, inputs)
        return CacheCheck(reason is None, reason or "up to date", inputs)

    def _input_digest(self, job: Job, path: Path, hint: FileDigest | None) -> FileDigest:
        if os.path.lexists(path):
            require_regular_file(path, "an input file")  # never opens a FIFO (a hang) or a folder
        try:
            return self.memo.digest(path, hint)
        except FileNotFoundError:
            raise FerretError(
                f"input of job {job.name!r} not found.",
                path,
                "check that the study is complete, or run the step that makes this file.",
            ) from None

    def _stale_reason(
        self, job: Job, manifest: dict, inputs: Mapping[Path, FileDigest]
    ) -> str | None:
        if not manifest:
            return "never run"
        if manifest.get("identity") != job.identity:
            return f"function changed ({manifest.get('identity')} -> {job.identity})"
        if manifest.get("parameters") != job.parameter_hash(self.root):
            return "parameters changed"
        recorded = self._digests(manifest.get("inputs", {}))
        for path, digest in inputs.items():
            if path not in recorded or recorded[path].checksum != digest.checksum:
                return f"input changed: {path.name}"
        if set(recorded) != set(inputs):
            return "inputs changed"
        return self._outputs_stale_reason(job, self._digests(manifest.get("outputs", {})))

    def _outputs_stale_reason(self, job: Job, recorded: dict[Path, FileDigest]) -> str | None:
        for path in job.outputs:
            if path not in recorded:
                return f"output not recorded: {path.name}"
            try:
                digest = self.memo.digest(path, recorded[path])
            except FileNotFoundError:
                return f"output missing: {path.name}"
            if digest.checksum != recorded[path].checksum:
                return f"output modified: {path.name}"
        return None

    def record(
        self,
        job: Job,
        inputs: Mapping[Path, FileDigest],
        outputs: Mapping[Path, FileDigest],
        computed: dict | None = None,
    ) -> Path:
        """Write the manifest of a finished job (all outputs exist).

        ``computed`` names the run that computed the outputs (default: this
        process, see :func:`computed_by`).
        """
        for path, digest in outputs.items():
            self.memo.remember(path, digest)
        manifest = {
            "format": MANIFEST_FORMAT,
            "job": job.name,
            "identity": job.identity,
            "parameters": job.parameter_hash(self.root),
            "inputs": self._to_json(inputs),
            "outputs": self._to_json(outputs),
            "computed_by": computed or computed_by(),
        }
        return write_manifest(self.manifest_path(job), manifest)

    def refresh(self, job: Job, check: CacheCheck) -> None:
        """Re-record an up-to-date job whose files were touched but not changed.

        Keeps the stat fast path effective: the next run will not re-hash them.
        """
        manifest = self.load(job)
        if manifest is None:
            return
        outputs = {p: self.memo.digest(p) for p in job.outputs}
        if (
            self._to_json(check.inputs) != manifest["inputs"]
            or self._to_json(outputs) != manifest["outputs"]
        ):
            self.record(job, check.inputs, outputs, manifest.get("computed_by"))

    def forget(self, job: Job) -> None:
        """Delete the job's manifest (it will run next time)."""
        self.manifest_path(job).unlink(missing_ok=True)

    def _to_json(self, digests: Mapping[Path, FileDigest]) -> dict[str, list]:
        return {_portable_path(p, self.root): d.to_json() for p, d in sorted(digests.items())}

    def _digests(self, entries: Mapping[str, list]) -> dict[Path, FileDigest]:
        found = {}
        for key, value in entries.items():
            digest = FileDigest.from_json(value)
            if digest is not None:
                found[self._from_portable(key)] = digest
        return found

    def _from_portable(self, key: str) -> Path:
        if key.startswith("<root>/"):
            return self.root / key[len("<root>/") :]
        return Path(key)


def computed_by() -> dict:
    """Return this process as a manifest records it: PID, host and time (who wrote the outputs)."""
    return {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "at": _dt.datetime.now().isoformat(timespec="seconds"),
    }


def write_manifest(path: Path, manifest: dict) -> Path:
    """Write a manifest atomically (temporary file and rename) but without fsync.

    Losing or truncating a manifest in a power cut only makes its job run
    again (an unreadable manifest counts as absent), while the outputs it
    describes were already made durable by the job's own atomic writes; so
    the two fsyncs per job that :func:`processing.fileio.write_json` would add
    buy nothing here.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".part.json", dir=path.parent)
    except OSError as exc:
        raise output_error(exc, path) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(manifest, handle, indent=1)
        os.replace(name, path)
    except OSError as exc:
        raise output_error(exc, path) from None
    finally:
        if os.path.exists(name):
            os.unlink(name)
    return path
