"""Test helpers of the processing tests.

The engine's tests run jobs defined in ``test_engine_jobs`` in worker processes,
which import them by that top-level module name: this folder goes on
``sys.path`` before any test module here is imported.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
