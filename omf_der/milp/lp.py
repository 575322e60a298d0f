"""A sparse (mixed-integer) linear program assembled from whole arrays, solved by HiGHS in one call.

Columns are added in named blocks (``add_columns("grid_kw", n, cost=..., upper=...)`` returns the
block's column indices); rows are added in blocks of coordinate triplets
(``add_rows(rows, cols, values, lower, upper)`` with rows numbered within the block). Nothing is
built per time step in Python: a year of hourly dispatch is a few dozen numpy calls. The matrix
goes to HiGHS column-wise through ``highspy.Highs.passModel`` (no scipy needed).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

INF = np.inf


class SolveError(RuntimeError):
    """HiGHS found no solution (infeasible, unbounded, refused the model, or stopped before one)."""


@dataclass
class Block:
    start: int
    size: int

    @property
    def index(self) -> np.ndarray:
        return np.arange(self.start, self.start + self.size)

    def __getitem__(self, item) -> np.ndarray:
        return self.index[item]


@dataclass
class LinearProgram:
    """Columns (cost, bounds, integrality) and rows (bounds, coordinate triplets) of a minimisation."""

    blocks: dict[str, Block] = field(default_factory=dict)
    _cost: list[np.ndarray] = field(default_factory=list)
    _lower: list[np.ndarray] = field(default_factory=list)
    _upper: list[np.ndarray] = field(default_factory=list)
    _integer: list[np.ndarray] = field(default_factory=list)
    _row_lower: list[np.ndarray] = field(default_factory=list)
    _row_upper: list[np.ndarray] = field(default_factory=list)
    _entries: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=list)
    row_blocks: dict[str, Block] = field(default_factory=dict)
    offset: float = 0.0
    n_cols: int = 0
    n_rows: int = 0

    # ------------------------------------------------------------------ columns
    def add_columns(self, name: str, size: int, cost=0.0, lower=0.0, upper=INF, integer: bool = False) -> Block:
        """A block of ``size`` columns (scalars broadcast). Returns the block (``.index``: column numbers)."""
        if name in self.blocks:
            raise ValueError(f"column block {name!r} exists")
        block = Block(self.n_cols, size)
        self.blocks[name] = block
        for target, value in ((self._cost, cost), (self._lower, lower), (self._upper, upper)):
            target.append(np.broadcast_to(np.asarray(value, dtype=float), (size,)).copy())
        self._integer.append(np.full(size, integer, dtype=bool))
        self.n_cols += size
        return block

    def add_cost(self, cols: np.ndarray, values) -> None:
        """Add to the objective coefficients of existing columns."""
        cost = np.concatenate(self._cost) if len(self._cost) > 1 else self._cost[0]
        np.add.at(cost, np.asarray(cols), np.broadcast_to(values, np.shape(cols)))
        self._cost = [cost]

    def set_bounds(self, cols: np.ndarray, lower=None, upper=None) -> None:
        for parts, value in ((self._lower, lower), (self._upper, upper)):
            if value is None:
                continue
            flat = np.concatenate(parts) if len(parts) > 1 else parts[0]
            flat[np.asarray(cols)] = value
            parts[:] = [flat]

    # ------------------------------------------------------------------ rows
    def add_rows(self, name: str, n: int, rows, cols, values, lower=-INF, upper=INF) -> Block:
        """``n`` rows ``lower <= sum(values x columns) <= upper``; triplets numbered within the block.

        Every (row, column) pair must appear once (HiGHS refuses duplicates).
        """
        rows, cols = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
        values = np.broadcast_to(np.asarray(values, dtype=float), rows.shape)
        block = Block(self.n_rows, n)
        if name in self.row_blocks:
            raise ValueError(f"row block {name!r} exists")
        self.row_blocks[name] = block
        self._entries.append((rows + self.n_rows, cols, values))
        self._row_lower.append(np.broadcast_to(np.asarray(lower, dtype=float), (n,)).copy())
        self._row_upper.append(np.broadcast_to(np.asarray(upper, dtype=float), (n,)).copy())
        self.n_rows += n
        return block

    # ------------------------------------------------------------------ solve
    def arrays(self) -> dict[str, np.ndarray]:
        """The model as column-wise (CSC) arrays."""
        rows = np.concatenate([e[0] for e in self._entries]) if self._entries else np.zeros(0, np.int64)
        cols = np.concatenate([e[1] for e in self._entries]) if self._entries else np.zeros(0, np.int64)
        vals = np.concatenate([e[2] for e in self._entries]) if self._entries else np.zeros(0)
        keep = vals != 0.0
        rows, cols, vals = rows[keep], cols[keep], vals[keep]
        order = np.lexsort((rows, cols))
        rows, cols, vals = rows[order], cols[order], vals[order]
        if rows.size > 1 and np.any((np.diff(cols) == 0) & (np.diff(rows) == 0)):
            raise ValueError("a matrix entry was given twice")
        start = np.zeros(self.n_cols + 1, dtype=np.int64)
        np.cumsum(np.bincount(cols, minlength=self.n_cols), out=start[1:])
        cat = np.concatenate
        return {"cost": cat(self._cost), "lower": cat(self._lower), "upper": cat(self._upper),
                "integer": cat(self._integer), "row_lower": cat(self._row_lower) if self._row_lower else np.zeros(0),
                "row_upper": cat(self._row_upper) if self._row_upper else np.zeros(0),
                "start": start, "index": rows, "value": vals}

    def solve(self, *, time_limit: float, mip_gap: float, seed: int) -> Solution:
        """Solve with HiGHS: one thread, the given seed, time limit (s) and relative MIP gap."""
        import highspy

        a = self.arrays()
        h = highspy.Highs()
        for key, value in (("output_flag", False), ("threads", 1), ("random_seed", int(seed)),
                           ("time_limit", float(time_limit)), ("mip_rel_gap", float(mip_gap))):
            h.setOptionValue(key, value)
        integrality = np.where(a["integer"], 1, 0).astype(np.int32)
        has_integers = bool(a["integer"].any())
        args = [self.n_cols, self.n_rows, int(a["value"].size), 1, 1, float(self.offset),
                a["cost"], a["lower"], a["upper"], a["row_lower"], a["row_upper"],
                a["start"][:-1].astype(np.int32), a["index"].astype(np.int32), a["value"], integrality]
        status = h.passModel(*args)
        if status == highspy.HighsStatus.kError:
            raise SolveError("HiGHS refused the model (numbers out of its range: check very large inputs)")
        t0 = time.perf_counter()
        h.run()
        seconds = time.perf_counter() - t0
        model_status = h.getModelStatus()
        info = h.getInfo()
        name = h.modelStatusToString(model_status)
        has_solution = info.primal_solution_status == 2   # kSolutionStatusFeasible
        x = np.asarray(h.getSolution().col_value) if has_solution else None
        gap = float(info.mip_gap) if has_integers else 0.0
        optimal = model_status == highspy.HighsModelStatus.kOptimal
        return Solution(status=name, optimal=optimal, has_solution=has_solution, x=x,
                        objective=float(info.objective_function_value) if has_solution else None,
                        mip_gap=gap if has_solution else None, seconds=seconds, is_mip=has_integers,
                        n_cols=self.n_cols, n_rows=self.n_rows, n_integer=int(a["integer"].sum()),
                        highs_version=h.version())


@dataclass(frozen=True)
class Solution:
    status: str
    optimal: bool
    has_solution: bool
    x: np.ndarray | None
    objective: float | None
    mip_gap: float | None
    seconds: float
    is_mip: bool
    n_cols: int
    n_rows: int
    n_integer: int
    highs_version: str

    def value(self, block: Block) -> np.ndarray:
        assert self.x is not None
        return self.x[block.start:block.start + block.size]
