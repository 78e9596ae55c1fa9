"""OR-Library readers: the last duplicate edge wins, and bad files name line and reason."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tightnut.planning import OrlibFormatError, PlanningError
from tightnut.planning.orlib import parse_cap, parse_pmed, read_optima, read_pmed


def test_a_repeated_edge_takes_its_last_cost() -> None:
    instance = parse_pmed("3 3 1\n1 2 5\n2 3 1\n1 2 9\n")
    assert instance.cost[0, 1] == 9.0
    assert instance.cost[0, 2] == 10.0


def test_pmed1_has_the_listed_size_and_optimum(orlib_dir: Path) -> None:
    instance = read_pmed(orlib_dir / "pmed" / "pmed1.txt")
    assert (instance.n, instance.p) == (100, 5)
    assert np.allclose(instance.cost, instance.cost.T)
    assert read_optima(orlib_dir / "pmed" / "pmedopt.txt")["pmed1"] == 5819


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("3 2 1\n1 2 5\n2 x 1\n", 3, "edge 2's second vertex must be an integer, found 'x'"),
        ("3 2 1\n1 2 5\n2 7 1\n", 3, "must be between 1 and 3, found 7"),
        ("3 2 1\n1 2 5\n", 3, "file ends before edge 2's first vertex"),
        ("3 2 5\n", 1, "the median count p must be between 1 and 3, found 5"),
        ("3 1 1\n1 2 -4\n", 2, "must be a finite non-negative number, found '-4'"),
    ],
)
def test_a_bad_pmed_file_names_the_line_and_reason(text: str, line: int, reason: str) -> None:
    with pytest.raises(OrlibFormatError) as caught:
        parse_pmed(text, "bad.txt")
    assert caught.value.line == line
    assert reason in caught.value.reason
    assert f"bad.txt, line {line}" in str(caught.value)


def test_a_disconnected_graph_is_refused() -> None:
    with pytest.raises(PlanningError, match="not connected"):
        parse_pmed("3 1 1\n1 2 5\n")


def test_cap_files_need_a_value_for_the_word_capacity() -> None:
    text = "1 1\n capacity 10.\n 5\n 3.\n"
    with pytest.raises(OrlibFormatError, match="line 2: capacity is the word"):
        parse_cap(text)
    assert parse_cap(text, capacity=7.0).capacity[0] == 7.0


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PlanningError, match="cannot read OR-Library file"):
        read_pmed(tmp_path / "nope.txt")
