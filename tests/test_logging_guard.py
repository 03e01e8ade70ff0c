"""The autouse guard in tests/logging_guard.py fails a test that leaves logging changed, and only such a test.

Run in a separate pytest process (pytester), so that the deliberately leaked changes stay there.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import logging_guard


def test_a_test_that_leaves_logging_changed_fails_and_one_that_restores_it_passes(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(Path(logging_guard.__file__).read_text())
    pytester.makepyfile(
        """
        import logging

        def test_leaves_a_level():
            logging.getLogger("rollouts.controller").setLevel(logging.WARNING)

        def test_leaves_a_root_handler():
            logging.getLogger().addHandler(logging.StreamHandler())

        def test_leaves_propagation_off():
            logging.getLogger("rollouts.kube").propagate = False

        def test_restores_with_caplog(caplog):
            caplog.set_level(logging.ERROR, logger="rollouts.controller")
            caplog.set_level(logging.DEBUG)

        def test_restores_with_monkeypatch(monkeypatch):
            monkeypatch.setattr(logging.getLogger("rollouts.plan"), "level", logging.CRITICAL)

        def test_a_library_adds_a_null_handler_on_import():
            logging.getLogger("some.library").addHandler(logging.NullHandler())
        """
    )

    result = pytester.runpytest_subprocess("-p", "no:xdist", "-p", "no:cacheprovider")

    result.assert_outcomes(passed=6, errors=3)
    result.stdout.fnmatch_lines_random(
        [
            "*ERROR at teardown of test_leaves_a_level*",
            "*logger 'rollouts.controller': was level=NOTSET 0 handler(s) propagate=True disabled=False, now level=WARNING 0 handler(s)*",
            "*ERROR at teardown of test_leaves_a_root_handler*",
            "*logger '<root>': was level=WARNING 0 handler(s)*, now level=WARNING 1 handler(s)*",
            "*ERROR at teardown of test_leaves_propagation_off*",
            "*logger 'rollouts.kube': *now level=NOTSET 0 handler(s) propagate=False*",
        ]
    )
