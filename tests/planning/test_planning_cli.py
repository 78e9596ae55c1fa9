"""`tightnut network orlib|plan` through Typer's test runner."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tightnut.planning.cli import network_app

runner = CliRunner()


def test_orlib_prints_one_json_object_with_the_proven_optimum(orlib_dir: Path) -> None:
    result = runner.invoke(network_app, ["orlib", str(orlib_dir / "pmed" / "pmed1.txt")])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report) == {"instance", "objective", "lower_bound", "gap", "seconds", "status"}
    assert report["instance"] == "pmed1"
    assert report["objective"] == 5819
    assert report["gap"] == 0.0
    assert report["status"] == "optimal"


def test_orlib_solves_a_cap_file(orlib_dir: Path) -> None:
    result = runner.invoke(network_app, ["orlib", str(orlib_dir / "cap" / "cap71.txt")])
    assert json.loads(result.stdout)["objective"] == 932615.75


def test_orlib_reports_a_malformed_file_with_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "pmed0.txt"
    bad.write_text("3 2 1\n1 2 5\n2 q 1\n")
    result = runner.invoke(network_app, ["orlib", str(bad)])
    assert result.exit_code == 2
    assert "line 3" in result.output
    assert "must be an integer" in result.output


def test_plan_writes_a_map_with_hubs_and_a_legend(tmp_path: Path) -> None:
    svg = tmp_path / "plan.svg"
    args = ["plan", "--region", "kuban", "--p", "3", "--max-hours", "3", "--svg", str(svg)]
    result = runner.invoke(network_app, args)
    assert result.exit_code == 0, result.output
    assert "status optimal" in result.output
    assert "techs" in result.output
    drawing = svg.read_text()
    assert drawing.count('class="hub"') == 3
    assert 'id="legend"' in drawing
    assert " km</text>" in drawing


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_plan_uses_a_fleet_file_and_escapes_names(tmp_path: Path) -> None:
    fleet = _write(
        tmp_path / "fleet.csv",
        "name,lat,lon,machines\n<Depot & Co>,45.0,39.0,80\nB,45.1,39.1,40\nC,47.2,39.7,10\n",
    )
    svg = tmp_path / "fleet.svg"
    result = runner.invoke(
        network_app,
        ["plan", "--demand", str(fleet), "--p", "1", "--max-hours", "1", "--svg", str(svg)],
    )
    assert result.exit_code == 0, result.output
    assert "&lt;Depot &amp; Co&gt;" in svg.read_text()
    assert "3" in result.output  # 120 machines ÷ 40 per technician


def test_plan_refuses_demand_with_nan(tmp_path: Path) -> None:
    fleet = _write(tmp_path / "fleet.csv", "name,lat,lon,machines\nA,45.0,39.0,nan\n")
    result = runner.invoke(network_app, ["plan", "--demand", str(fleet), "--p", "1"])
    assert result.exit_code == 2
    assert "line 2: demand is nan" in result.output


def test_plan_refuses_more_hubs_than_sites(tmp_path: Path) -> None:
    fleet = _write(tmp_path / "fleet.csv", "name,lat,lon,machines\nA,45.0,39.0,3\n")
    result = runner.invoke(network_app, ["plan", "--demand", str(fleet), "--p", "2"])
    assert result.exit_code == 2
    assert "between 1 and the 1 candidate sites" in result.output


def test_plan_says_where_the_map_went_and_reports_each_stage_as_it_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fleet = _write(
        tmp_path / "fleet.csv",
        "name,lat,lon,machines\nA,45.0,39.0,80\nB,45.1,39.1,40\nC,47.2,39.7,10\nD,44.6,40.1,25\n",
    )
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(network_app, ["plan", "--demand", str(fleet), "--p", "2"])
    assert result.exit_code == 0, result.output
    svg = (tmp_path / "hub-plan-fleet.svg").resolve()
    assert f"map written to {svg}" in result.stdout
    assert svg.read_text().count('class="hub"') == 2
    stages = result.stderr.splitlines()
    elapsed_s = [float(re.match(r"\[\s*(\d+\.\d\d) s\] ", line)[1]) for line in stages]
    assert elapsed_s == sorted(elapsed_s)
    said = "\n".join(stages)
    assert re.search(
        r"stage 1 done: [\d,.]+ machines beyond the limit, bound [\d,.]+ \(optimal\)", said
    )
    assert re.search(r"stage 2 done: incumbent [\d,.]+, bound [\d,.]+ \(optimal\)", said)
    assert f"writing the map to {svg}" in said


def test_plan_that_cannot_write_its_map_says_where_it_tried(tmp_path: Path) -> None:
    fleet = _write(tmp_path / "fleet.csv", "name,lat,lon,machines\nA,45.0,39.0,3\nB,45.2,39.1,4\n")
    target = tmp_path / "no such folder" / "plan.svg"
    result = runner.invoke(
        network_app, ["plan", "--demand", str(fleet), "--p", "1", "--svg", str(target)]
    )
    assert result.exit_code == 2
    assert f"cannot write the map to {target}" in result.output
