"""A run's folder: its file names, its status, and how it is written so that it is never half done.

A run writes everything into a staging folder beside the run folder and, when complete, moves it
into place (:func:`publish`: two renames on the same file system, so a reader finds the previous
complete run, nothing for an instant, or the new one, never a mix).
A failed run leaves its inputs and an error file (:data:`ERROR_FILE`) and no outputs.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

INPUTS_FILE = "allInputData.json"
OUTPUTS_FILE = "allOutputData.json"
TIMINGS_FILE = "timings.json"      # wall times: kept out of the outputs so reruns reproduce them
ERROR_FILE = "stderr.txt"
META_FILE = "run.json"             # the web app's bookkeeping (status, created, ...): survives reruns
STATUSES = ("finished", "failed", "new")


def dump_json(obj: Any) -> str:
    """JSON text as run files are written: a top-level object one key per line, each value on its
    line (Python's fast C encoder: an indented dump goes through its pure-Python encoder, 10x
    slower on a run's megabytes), no NaN/Infinity, key order kept."""
    if not isinstance(obj, dict) or not obj:
        return json.dumps(obj, allow_nan=False) + "\n"
    lines = (f"{json.dumps(str(k))}: {json.dumps(v, allow_nan=False)}" for k, v in obj.items())
    return "{\n" + ",\n".join(lines) + "\n}\n"


def series_csv(values) -> str:
    """A series as run files hold it: one value per line, written exactly (``repr``)."""
    return "".join(f"{float(v)!r}\n" for v in values)


def read_json(path: Path) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def staging_dir(model_dir: Path) -> Path:
    """A fresh, empty folder beside ``model_dir`` (same file system, so the swap is a rename)."""
    model_dir = Path(model_dir)
    model_dir.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{model_dir.name}.staging-", dir=model_dir.parent))


def publish(staging: Path, model_dir: Path) -> None:
    """Put the complete ``staging`` folder in the place of ``model_dir`` (replacing an old run).

    The old folder's :data:`META_FILE` (bookkeeping of whoever manages the run, not the run's
    output) is carried over unless ``staging`` has its own."""
    model_dir = Path(model_dir)
    old = None
    meta = model_dir / META_FILE
    if meta.is_file() and not (Path(staging) / META_FILE).exists():
        shutil.copy2(meta, Path(staging) / META_FILE)
    if model_dir.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{model_dir.name}.old-", dir=model_dir.parent))
        os.replace(model_dir, old / "run")
    os.replace(staging, model_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def discard(staging: Path) -> None:
    shutil.rmtree(staging, ignore_errors=True)


def write_failure(model_dir: Path, inputs_json: Any, message: str) -> None:
    """Replace ``model_dir`` by a folder holding only the inputs and the error message."""
    staging = staging_dir(model_dir)
    try:
        if inputs_json is not None:
            (staging / INPUTS_FILE).write_text(dump_json(inputs_json), encoding="utf-8")
        (staging / ERROR_FILE).write_text(message.rstrip("\n") + "\n", encoding="utf-8")
        publish(staging, model_dir)
    except BaseException:
        discard(staging)
        raise


def status(model_dir: Path) -> str:
    """``finished`` (outputs present), ``failed`` (an error file) or ``new``."""
    model_dir = Path(model_dir)
    if (model_dir / OUTPUTS_FILE).is_file():
        return "finished"
    if (model_dir / ERROR_FILE).is_file():
        return "failed"
    return "new"


def list_files(model_dir: Path) -> list[str]:
    """The run's files (names), sorted."""
    return sorted(p.name for p in Path(model_dir).iterdir() if p.is_file())
