"""Running a model into a folder: the Python face (:func:`run_model`) the CLI and the web app share.

>>> from omf_der import run_model
>>> result = run_model({}, "runs/demo")          # doctest: +SKIP  (defaults; folder runs/demo)
>>> result.npv_usd, result.payback_years, result.folder   # doctest: +SKIP
"""

from __future__ import annotations

import importlib
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from . import model_dir as md
from .errors import InputError, InputErrors

MODELS = ("derConsumer", "vbatDispatch")


def load_model(name: str) -> ModuleType:
    """The model definition module ``omf_der.models.<name>``."""
    if name not in MODELS:
        raise InputError("model", name, " or ".join(MODELS))
    return importlib.import_module(f"omf_der.models.{name}")


@dataclass(frozen=True)
class Result:
    """A finished run: its folder, outputs (``allOutputData.json``) and wall time."""

    folder: Path
    outputs: dict[str, Any]
    seconds: float

    @property
    def summary(self) -> dict[str, Any]:
        return self.outputs["summary"]

    @property
    def npv_usd(self) -> float:
        return self.summary["npv_usd"]

    @property
    def payback_years(self) -> float | None:
        """Simple payback in years; None when the program never pays back."""
        return self.summary["simple_payback_years"]


class RunFailed(Exception):
    """A run stopped by an error after its inputs were valid; the folder holds inputs + error file.
    ``cause`` is the original exception."""

    def __init__(self, message: str, folder: Path, cause: BaseException) -> None:
        super().__init__(message)
        self.folder, self.cause = folder, cause


def run_model(inputs: Mapping[str, Any] | Any, model_dir: str | Path, *, model: str = "derConsumer",
              progress: Callable[[str], None] | None = None) -> Result:
    """Run ``model`` on ``inputs`` (an :class:`~omf_der.inputs.Inputs`, or a dict of field names to
    values; missing fields take their defaults) into ``model_dir``.

    Invalid inputs raise :class:`~omf_der.errors.InputErrors` before any folder is touched. The run
    writes into a staging folder that replaces ``model_dir`` only when complete; if it fails,
    ``model_dir`` holds the inputs and ``stderr.txt`` and :class:`RunFailed` is raised.
    """
    module = load_model(model)
    parsed = module.parse(inputs)
    folder = Path(model_dir)
    inputs_json = parsed.to_json_dict()
    t0 = time.perf_counter()
    staging = md.staging_dir(folder)
    timings: dict[str, Any] = {}
    steps: list[tuple[str, float]] = []

    def step(name: str) -> None:
        steps.append((name, time.perf_counter() - t0))
        if progress is not None:
            progress(name)

    try:
        outputs = module.work(staging, parsed, step, timings)
        (staging / md.INPUTS_FILE).write_text(md.dump_json(inputs_json), encoding="utf-8")
        seconds = time.perf_counter() - t0
        timings.update(total_seconds=seconds, steps={n: s for n, s in steps})
        (staging / md.TIMINGS_FILE).write_text(md.dump_json(_plain(timings)), encoding="utf-8")
        outputs["files"] = sorted(set(md.list_files(staging)) | {md.OUTPUTS_FILE})
        (staging / md.OUTPUTS_FILE).write_text(md.dump_json(outputs), encoding="utf-8")
        md.publish(staging, folder)
    except BaseException as exc:
        md.discard(staging)
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        message = failure_message(exc)
        md.write_failure(folder, inputs_json, message + "\n\n" + "".join(
            traceback.format_exception(type(exc), exc, exc.__traceback__)))
        raise RunFailed(message, folder, exc) from exc
    return Result(folder, outputs, seconds)


def failure_message(exc: BaseException) -> str:
    """One line for a person: input problems by field, anything else by kind and text."""
    if isinstance(exc, InputErrors):
        return "; ".join(e.message for e in exc.errors)
    if isinstance(exc, InputError):
        return exc.message
    from .milp import SolveError

    if isinstance(exc, SolveError):
        return f"battery/generator optimisation failed: {exc}"
    return f"internal error: {type(exc).__name__}: {exc}"


def _plain(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, (np.floating, np.integer)):
        return obj.item()
    return obj


def reproduction_inputs(folder: str | Path) -> dict[str, Any]:
    """The inputs of a finished run with its recorded seeds and water-heater random numbers and
    "use the provided random numbers" on: running them reproduces ``allOutputData.json``."""
    folder = Path(folder)
    inputs = md.read_json(folder / md.INPUTS_FILE)
    module = load_model(md.read_json(folder / md.OUTPUTS_FILE)["model"])
    lines = (folder / "random_seeds.csv").read_text(encoding="utf-8").splitlines()
    for tech, seed in (line.split(",") for line in lines[1:] if line.strip()):
        inputs[module.SEED_KEYS[tech]] = int(seed)
    numbers = folder / "water_heater_random_numbers.csv"
    if numbers.is_file():
        inputs["wh_random_numbers"] = numbers.read_text(encoding="utf-8")
    inputs["use_provided_random_numbers"] = True
    return inputs
