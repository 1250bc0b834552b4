"""What an import says about itself: the lines ``ferret import-dicom`` prints and the app shows.

One wording for both: every series with where it went (or would go, in a dry
run) or why it was skipped, the acquisition time, then the validation of the
new visit and its verdict.
"""

from __future__ import annotations

from processing.dicom.visit import ImportResult


def plan_lines(result: ImportResult) -> list[str]:
    """Return the series found, each with its destination or the reason it is skipped."""
    plan = result.plan
    verb = "would go to" if result.dry_run else "->"
    lines = [
        f"{result.dicom_dir}: {len(plan.placements)} image(s) placed, {len(plan.skipped)} skipped"
    ]
    for placement in plan.placements:
        target = result.visit_dir / f"{placement.destination}.nii.gz"
        lines.append(f"  {placement.series.label} {verb} {target}  [{placement.matched_by}]")
    lines += [f"  SKIPPED {skip.series.label}: {skip.reason}" for skip in plan.skipped]
    when = result.acq_time.strftime("%Y-%m-%dT%H:%M:%S") if result.acq_time else "n/a (no date)"
    lines.append(f"acq_time: {when}")
    return lines


def errors_of(result: ImportResult) -> int:
    """Return how many of the new visit's problems are errors."""
    return sum(p.severity == "error" for p in result.problems)


def verdict(result: ImportResult) -> str:
    """Return the last line: the dry run's note, or the validation's counts and verdict."""
    if result.dry_run:
        return "dry run: nothing was written."
    errors = errors_of(result)
    usable = "not usable until the errors are fixed" if errors else "usable"
    return (
        f"validation: {errors} error(s), {len(result.problems) - errors} warning(s): "
        f"the visit is {usable}."
    )


def result_lines(result: ImportResult) -> list[str]:
    """Return every line of the report, :func:`verdict` last."""
    lines = plan_lines(result)
    if result.dry_run:
        if result.visit_existed:
            lines.append(
                f"note: {result.visit_dir} exists; the import needs --overwrite to replace it."
            )
    else:
        lines.append(f"imported into {result.visit_dir}")
        lines += [str(problem) for problem in result.problems]
    return [*lines, verdict(result)]
