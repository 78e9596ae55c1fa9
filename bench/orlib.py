"""OR-Library benchmark: our proven optima beside the published ones, optionally vs spopt.

Run from the repository root:

    python bench/orlib.py              # all pmed1–40 and cap41–134 (CFLP) + UFLP
    python bench/orlib.py --quick      # a few small instances, seconds (CI)
    python bench/orlib.py --peer       # also PySAL spopt (PuLP/CBC) on the pmed instances

Times are wall seconds of the solve from the cost matrix (reading the file and the
shortest-path matrix are shown apart as "read s"). spopt runs in a killable subprocess
(CBC ignores its own time limit inside the root LP) and its time is the model build plus
solve, from the same cost matrix.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from tightnut.planning.facility import solve_facility
from tightnut.planning.orlib import default_data_dir, read_cap, read_optima, read_pmed
from tightnut.planning.pmedian import solve_pmedian

QUICK_PMED = ("pmed1", "pmed2", "pmed5")
QUICK_CAP = ("cap41", "cap71")
UNCAP = ("cap71", "cap72", "cap73", "cap74", "cap101", "cap102", "cap103", "cap104",
         "cap131", "cap132", "cap133", "cap134")  # fmt: skip

_PEER_SCRIPT = """
import sys, time, numpy as np, pulp
from spopt.locate import PMedian
cost = np.load(sys.argv[1]); p = int(sys.argv[2])
t = time.perf_counter()
model = PMedian.from_cost_matrix(cost, np.ones(cost.shape[0]), p)
model = model.solve(pulp.PULP_CBC_CMD(msg=False, threads=2))
print(time.perf_counter() - t, pulp.value(model.problem.objective))
"""


def _peer(cost_path: Path, p: int, timeout_s: float) -> tuple[float | None, float | None]:
    """Run spopt+CBC on a saved cost matrix in a subprocess; (seconds, objective) or Nones."""
    command = [sys.executable, "-c", _PEER_SCRIPT, str(cost_path), str(p)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return None, None
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-2000:])
        return None, None
    seconds, objective = done.stdout.split()[-2:]
    return float(seconds), float(objective)


def _row(cells: list[str]) -> str:
    return " | ".join(cells)


def bench_pmed(data: Path, names: list[str], args: argparse.Namespace) -> list[float]:
    """Solve pmed instances, print one table row each, return our solve seconds."""
    import numpy as np

    optima = read_optima(data / "pmed" / "pmedopt.txt")
    header = ["instance", "n", "p", "known opt", "objective", "lower bound", "gap", "seconds",
              "read s"] + (["spopt s", "spopt obj", "ratio"] if args.peer else [])  # fmt: skip
    print(_row(header))
    print(_row(["---"] * len(header)))
    times = []
    for name in names:
        started = time.perf_counter()
        instance = read_pmed(data / "pmed" / f"{name}.txt")
        read_s = time.perf_counter() - started
        result = solve_pmedian(instance.cost, instance.p, time_limit_s=args.time_limit)
        times.append(result.seconds)
        cells = [name, str(instance.n), str(instance.p), f"{optima[name]:g}",
                 f"{result.objective:g}", f"{result.lower_bound:g}", f"{result.gap:.4%}",
                 f"{result.seconds:.2f}", f"{read_s:.2f}"]  # fmt: skip
        if args.peer:
            saved = Path(args.tmp) / f"{name}.npy"
            np.save(saved, instance.cost)
            peer_s, peer_obj = _peer(saved, instance.p, args.peer_timeout)
            ratio = f"{peer_s / result.seconds:.0f}×" if peer_s else "–"
            peer_cell = f"{peer_s:.2f}" if peer_s else f">{args.peer_timeout:g} (killed)"
            cells += [peer_cell, f"{peer_obj:g}" if peer_obj else "–", ratio]
        print(_row(cells), flush=True)
    return times


def bench_cap(data: Path, names: list[str], uncap: list[str], time_limit: float) -> list[float]:
    """Solve cap instances as CFLP (split demand) and UFLP; print rows; return seconds."""
    capopt = read_optima(data / "cap" / "capopt.txt")
    uncapopt = read_optima(data / "cap" / "uncapopt.txt")
    print()
    print(_row(["instance", "model", "known opt", "objective", "lower bound", "gap", "seconds"]))
    print(_row(["---"] * 7))
    times = []
    jobs = [(n, "CFLP", capopt) for n in names] + [(n, "UFLP", uncapopt) for n in uncap]
    for name, model, optima in jobs:
        inst = read_cap(data / "cap" / f"{name}.txt")
        caps = inst.capacity if model == "CFLP" else None
        r = solve_facility(inst.assign_cost, inst.fixed_cost, inst.demand, caps,
                           time_limit_s=time_limit)  # fmt: skip
        times.append(r.seconds)
        cells = [name, model, f"{optima[name]:.3f}", f"{r.objective:.3f}",
                 f"{r.lower_bound:.3f}", f"{r.gap:.4%}", f"{r.seconds:.2f}"]  # fmt: skip
        print(_row(cells), flush=True)
    return times


def _summary(label: str, times: list[float]) -> None:
    if times:
        print(f"\n{label}: {len(times)} instances, median {statistics.median(times):.2f} s, "
              f"max {max(times):.2f} s, total {sum(times):.1f} s")  # fmt: skip


def main() -> None:
    """Parse arguments, run the selected instances and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=default_data_dir())
    parser.add_argument("--quick", action="store_true", help="a few small instances only")
    parser.add_argument("--peer", action="store_true", help="also run spopt+CBC (pmed)")
    parser.add_argument("--peer-timeout", type=float, default=600.0)
    parser.add_argument("--time-limit", type=float, default=300.0)
    parser.add_argument("--only", nargs="*", help="instance names to run (e.g. pmed21 cap41)")
    parser.add_argument("--skip-cap", action="store_true")
    parser.add_argument("--tmp", default="/tmp")
    args = parser.parse_args()
    if args.quick and not (args.data / "pmed" / "pmed1.txt").is_file():
        # Without the shared data folder, the quick run uses the instances the tests carry.
        args.data = Path(__file__).resolve().parents[1] / "tests" / "planning" / "data"
    pmed = [f"pmed{k}" for k in range(1, 41)]
    cap = list(read_optima(args.data / "cap" / "capopt.txt"))
    uncap = list(UNCAP)
    if args.quick:
        pmed, cap, uncap = list(QUICK_PMED), list(QUICK_CAP), []
    if args.only:
        pmed = [n for n in args.only if n.startswith("pmed")]
        cap = [n for n in args.only if n.startswith("cap")]
        uncap = []
    print(json.dumps({"date": time.strftime("%Y-%m-%d"), "python": sys.version.split()[0]}))
    _summary("pmed (ours)", bench_pmed(args.data, pmed, args))
    if not args.skip_cap and cap:
        _summary("cap (ours)", bench_cap(args.data, cap, uncap, args.time_limit))


if __name__ == "__main__":
    main()
