"""Terminal reporter: plain lines when not a terminal, bars with ETA on a terminal; run status figures."""

from __future__ import annotations

import io

import test_engine_jobs as jobs

from processing.engine import RunStatus, TerminalReporter, run
from processing.engine.reporter import bar, format_seconds
from processing.engine.status import DONE, RUNNING


def test_plain_lines_name_each_finished_job_and_each_failure(tmp_path):
    jobs.make_raw(tmp_path)
    (tmp_path / "raw" / "v2" / "b.txt").write_text("CORRUPT\n")
    stream = io.StringIO()
    reporter = TerminalReporter(stream)
    assert not reporter.tty
    run(jobs.study_graph(tmp_path), jobs.cache_for(tmp_path), listeners=[reporter])
    reporter.close()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 8 and "\x1b" not in stream.getvalue()
    assert lines[0].startswith("[1/8] done      maps-v0 (")
    assert any(
        line.startswith("[3/8] failed    maps-v2: ") and "this file is corrupt" in line
        for line in lines
    )
    assert (
        sum("skipped   " in line and "needs 'maps-v2', which failed" in line for line in lines) == 3
    )


def test_bars_show_overall_and_running_jobs_with_eta():
    status = RunStatus.for_names(["a", "b", "c", "d"])
    status.started -= 10
    status.set("a", DONE)
    status.set("b", RUNNING, fraction=0.5, message="fitting", started=status.started + 5)
    stream = io.StringIO()
    reporter = TerminalReporter(stream, tty=True)
    reporter(status, status.jobs["b"])
    text = stream.getvalue()
    assert "[" + "#" * 9 + "-" * 15 + "]  38% 1/4 jobs, 1 running, ETA 0:17" in text
    assert "  [######------]  50% b fitting ETA 0:05" in text
    reporter._last_draw = 0
    reporter(status, None)
    assert "\x1b[F\x1b[2K\x1b[F\x1b[2K" in stream.getvalue()  # the two lines are redrawn in place


def test_aggregate_fraction_and_eta():
    status = RunStatus.for_names(["a", "b"])
    assert status.fraction == 0 and status.eta() is None
    status.set("a", RUNNING, fraction=0.25, started=status.started)
    assert status.fraction == 0.125
    assert abs(status.eta(status.started + 10) - 70) < 1e-9  # 0.25 of 2 jobs took 10 s
    assert format_seconds(3725) == "1:02:05" and format_seconds(None) == "--:--"
    assert bar(1.0, 4) == "[####]"
