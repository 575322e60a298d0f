"""The MILP core: REopt's battery + generator (+ PV) formulation, our code, solved by HiGHS.

>>> from omf_der.milp import run
>>> results = run(scenario)                      # doctest: +SKIP
>>> results["ElectricStorage"]["storage_to_load_series_kw"][:3], results["Financial"]["npv"]  # doctest: +SKIP

A scenario is a REopt v3 / REopt.jl JSON dict (``ElectricLoad``, ``ElectricTariff``,
``ElectricStorage``, ``Generator``, ``PV``, ``Financial``, ``Settings``; inputs and defaults in
:mod:`omf_der.milp.defaults`). :func:`run` solves the scenario and its business-as-usual copy
and returns REopt-named results (:mod:`omf_der.milp.results`).
"""

from __future__ import annotations

import time
from typing import Any

from .lp import Solution, SolveError
from .model import Model, build
from .results import Dispatch, assemble
from .scenario import Scenario, parse_scenario, resolved_inputs

__all__ = ["Scenario", "SolveError", "build", "parse_scenario", "resolved_inputs", "run", "solve"]


def solve(scenario: Scenario) -> tuple[Model, Solution, float]:
    """Build and solve one scenario; returns the model, the solution and the build seconds."""
    t0 = time.perf_counter()
    model = build(scenario)
    build_seconds = time.perf_counter() - t0
    s = scenario.settings
    sol = model.lp.solve(time_limit=s["timeout_seconds"], mip_gap=s["optimality_tolerance"], seed=s["random_seed"])
    if not sol.has_solution:
        hint = {"Infeasible": "the constraints contradict each other (check sizes, durations and SOC fractions)",
                "Time limit reached": "no feasible solution within Settings.timeout_seconds"}.get(sol.status, "")
        raise SolveError(f"HiGHS found no solution: {sol.status}" + (f"; {hint}" if hint else ""))
    return model, sol, build_seconds


def run(scenario: dict[str, Any] | Scenario) -> dict[str, Any]:
    """Solve ``scenario`` (a REopt-style dict) and its BAU case; REopt-named results.

    Raises :class:`~omf_der.errors.InputErrors` for bad inputs (every problem named by field) and
    :class:`SolveError` when HiGHS finds no solution.
    """
    sc = scenario if isinstance(scenario, Scenario) else parse_scenario(scenario)
    model, sol, build_seconds = solve(sc)
    bau_model, bau_sol, bau_build = solve(sc.bau())
    bau_info = {"status": bau_sol.status, "optimal": bau_sol.optimal, "objective": bau_sol.objective,
                "mip_gap": bau_sol.mip_gap, "build_seconds": bau_build, "solve_seconds": bau_sol.seconds}
    return assemble(model, sol, Dispatch(bau_model, bau_sol), build_seconds, bau_info)
