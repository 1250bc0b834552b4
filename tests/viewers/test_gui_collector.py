"""While a window holds the collector, cyclic garbage dies in the GUI thread, never in a worker."""

from __future__ import annotations

import gc
import threading

import pytest

from viewers.widgets.collector import GuiThreadCollector


class _Witness:
    """A cyclic object that records the thread it is destroyed in."""

    died_in: list[str] = []

    def __init__(self) -> None:
        self.me = self

    def __del__(self) -> None:
        _Witness.died_in.append(threading.current_thread().name)


def _churn_in_worker() -> list:
    """Allocate, in a worker thread, more container objects than the youngest generation holds.

    They are returned (kept alive), so the collector's counter stays past its threshold.
    """
    kept: list = []

    def run() -> None:
        kept.extend([] for _ in range(5 * gc.get_threshold()[0]))

    worker = threading.Thread(target=run, name="worker")
    worker.start()
    worker.join()
    return kept


@pytest.fixture(name="witness")
def witness_fixture():
    gc.enable()
    gc.collect()
    _Witness.died_in.clear()
    yield _Witness
    if GuiThreadCollector.shared().held:  # the harness still holds it (a qtbot test)
        gc.disable()
    else:
        gc.enable()


def test_without_the_collector_a_worker_thread_collects_the_garbage(witness):
    """The hazard itself: automatic collection runs in whichever thread allocates."""
    witness()
    _churn_in_worker()
    assert witness.died_in == ["worker"]


def test_held_collector_keeps_collection_out_of_workers_and_the_gui_thread_collects(witness):
    collector = GuiThreadCollector(start_timer=False)
    token = collector.hold()
    try:
        witness()
        kept = _churn_in_worker()
        assert witness.died_in == []
        collector.check()  # what the GUI thread's timer does
        assert witness.died_in == [threading.main_thread().name]
        assert len(kept) > gc.get_threshold()[0]
    finally:
        collector.release(token)
    assert gc.isenabled()


def test_last_release_collects_and_turns_automatic_collection_back_on(witness):
    collector = GuiThreadCollector(start_timer=False)
    first, second = collector.hold(), collector.hold()
    witness()
    collector.release(first)
    collector.release(first)  # a second release of one token is ignored
    assert not gc.isenabled() and witness.died_in == []
    collector.release(second)
    assert gc.isenabled() and witness.died_in == [threading.main_thread().name]


def test_holding_from_a_worker_thread_is_refused():
    collector = GuiThreadCollector(start_timer=False)
    errors = []

    def hold() -> None:
        try:
            collector.hold()
        except RuntimeError as error:
            errors.append(str(error))

    worker = threading.Thread(target=hold)
    worker.start()
    worker.join()
    assert errors and "GUI thread" in errors[0]
    assert not collector.held


def test_the_timer_collects_in_the_gui_thread_while_the_event_loop_runs(qtbot, witness):
    GuiThreadCollector.shared().release_all()  # the harness's own timer would collect first
    collector = GuiThreadCollector(interval_ms=20)
    token = collector.hold()
    try:
        witness()
        kept = _churn_in_worker()
        # a hang guard, not a timing figure: the machine is shared
        qtbot.waitUntil(lambda: bool(witness.died_in), timeout=30000)
        assert witness.died_in == [threading.main_thread().name]
        assert collector.collections >= 1 and kept
    finally:
        collector.release(token)


def test_an_explicit_collect_from_a_worker_is_deferred_to_the_gui_thread(witness):
    """The analysis worker runs statsmodels' multipletests, which calls gc.collect()."""
    collector = GuiThreadCollector(start_timer=False)
    token = collector.hold()
    try:
        witness()
        worker = threading.Thread(target=gc.collect, name="worker")
        worker.start()
        worker.join()
        assert witness.died_in == []  # nothing collected in the worker
        collector.check()  # the GUI thread's tick: a full collection, as asked
        assert witness.died_in == [threading.main_thread().name]
    finally:
        collector.release(token)
    assert gc.collect.__module__ == "gc"  # the interpreter's own again
