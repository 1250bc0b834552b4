"""The docstring examples of the study modules run and hold."""

from __future__ import annotations

import doctest

import pytest

from processing.study import bids_names, dates


@pytest.mark.parametrize("module", [bids_names, dates], ids=lambda m: m.__name__)
def test_docstring_examples(module):
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0
