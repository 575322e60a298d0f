"""Seeds and recorded random numbers: what makes a run exactly repeatable.

Two kinds of randomness enter a run:

* **solver seeds** — one for the battery/generator MILP (HiGHS) and one per thermal device LP;
  integers in 0 ... 2,147,483,647 (HiGHS's ``random_seed`` range);
* **water-heater random numbers** — 50 rows (one per simulated tank) of three numbers, with the
  reference model's meaning:

  ====== =============================================================== ==================
  column meaning                                                         range
  ====== =============================================================== ==================
  1      index of the hot-water draw profile the tank follows            0 ... 18 (integer)
  2      time shift r; the tank's draws are shifted by r minutes       -14 ... 0 (integer)
  3      noise factor u; the draw adds 0.1 (u - 0.5) x the unshifted draw  0 <= u < 1
  ====== =============================================================== ==================

Both are drawn from a recorded seed and saved with the run, so feeding them back reproduces it.
"""

from __future__ import annotations

import secrets

import numpy as np

from .errors import InputError

SEED_MAX = 2_147_483_647          # largest HiGHS random_seed (2**31 - 1)
WH_TANKS = 50                     # simulated water-heater tanks
WH_DRAW_PROFILES = 19             # hot-water draw profiles a tank can follow (reference: 19)
WH_SHIFT_MIN, WH_SHIFT_MAX = -14, 0


def draw_seed() -> int:
    """A fresh seed in 0 ... SEED_MAX from the operating system's entropy (to be recorded)."""
    return secrets.randbelow(SEED_MAX + 1)


def check_seed(seed: object, field: str) -> int:
    """A recorded solver or draw seed: a whole number 0 ... SEED_MAX, else an InputError on ``field``
    (HiGHS silently ignores a seed out of its range, so it must be refused before it is recorded)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed <= SEED_MAX:
        raise InputError(field, seed, f"a whole number from 0 to {SEED_MAX}")
    return int(seed)


def water_heater_random_numbers(seed: int, n_tanks: int = WH_TANKS,
                                n_profiles: int = WH_DRAW_PROFILES) -> np.ndarray:
    """The 50 x 3 water-heater random numbers drawn from ``seed`` (NumPy PCG64 generator).

    Returns an array of shape ``(n_tanks, 3)``: profile index (integer-valued), time-shift
    parameter (integer-valued, -14 ... 0) and noise factor in [0, 1).
    """
    if not 0 <= int(seed) <= SEED_MAX:
        raise ValueError(f"seed must be in 0 ... {SEED_MAX}, got {seed}")
    rng = np.random.Generator(np.random.PCG64(int(seed)))
    profile = rng.integers(0, n_profiles, size=n_tanks)
    shift = rng.integers(WH_SHIFT_MIN, WH_SHIFT_MAX, size=n_tanks, endpoint=True)
    noise = rng.random(n_tanks)
    return np.column_stack([profile.astype(float), shift.astype(float), noise])


def format_water_heater_random_numbers(numbers: np.ndarray) -> str:
    """CSV text of the random numbers: integers as integers, the noise factor exactly (repr)."""
    rows = (f"{int(k)},{int(r)},{float(u)!r}" for k, r, u in np.asarray(numbers, dtype=float))
    return "\n".join(rows) + "\n"
