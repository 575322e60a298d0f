"""The web app's runs: one folder per run under a data folder, named by the user.

A run folder is a model folder as :func:`omf_der.run_model` writes it (``allInputData.json``,
``allOutputData.json``, raw files), plus ``run.json``: the app's bookkeeping (model, status,
created, current step, error, NPV for the list). Folders that the CLI wrote into the data folder
are listed too (their status comes from their files). Nothing here knows Flask.

Names are checked against one pattern (letters, digits, space, ``_ . -``; no leading dot, no
slash), and every path is resolved and checked to lie directly inside the data folder, so a name
can never reach outside it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import model_dir as md
from ..errors import InputError

NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _.\-]{0,63}")
NAME_RULE = "1 to 64 letters, digits, spaces or _ . - (starting with a letter or digit)"
#: status of a run: new (inputs saved, never run), queued, running, finished, failed, cancelled
STATUSES = ("new", "queued", "running", "finished", "failed", "cancelled")
ACTIVE = ("queued", "running")
_DRAFT_TOKEN = re.compile(r"[A-Za-z0-9_\-]{16,64}")
_DRAFT_FIELD = re.compile(r"[a-z][a-z0-9_]{0,63}")
DRAFTS_DIR = ".drafts"
DRAFT_MAX_AGE_S = 24 * 3600


def check_name(name: Any) -> str:
    """The run name, stripped, or :class:`InputError` naming what is allowed."""
    text = name.strip() if isinstance(name, str) else name
    if not isinstance(text, str) or not NAME_PATTERN.fullmatch(text) or text.endswith((".", " ")):
        raise InputError("run name", name, NAME_RULE + ", not ending in a dot or space")
    return text


@dataclass
class RunInfo:
    """What the run list and a run's page show about a run."""

    name: str
    folder: Path
    model: str
    status: str
    created: float
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def npv_usd(self) -> float | None:
        return self.meta.get("npv_usd") if self.status == "finished" else None

    @property
    def error(self) -> str | None:
        return self.meta.get("error")

    @property
    def elapsed_s(self) -> float | None:
        """Seconds the run took (finished/failed) or has been running so far."""
        started = self.meta.get("started")
        if started is None:
            return None
        end = self.meta.get("ended") if self.status not in ACTIVE else None
        return max(0.0, (end or time.time()) - started)

    @property
    def has_error_report(self) -> bool:
        return (self.folder / md.ERROR_FILE).is_file()

    @property
    def active(self) -> bool:
        return self.status in ACTIVE


class RunStore:
    """The runs in ``data_dir``."""

    def __init__(self, data_dir: str | Path) -> None:
        self.root = Path(data_dir).resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self._cli_cache: dict[Path, tuple[float, str]] = {}

    # ------------------------------------------------------------------ paths
    def folder(self, name: str) -> Path:
        """The folder of run ``name`` (which must be a valid name); it may not exist."""
        name = check_name(name)
        path = (self.root / name).resolve()
        if path.parent != self.root:
            raise InputError("run name", name, NAME_RULE)
        return path

    def exists(self, name: str) -> bool:
        try:
            return self.folder(name).is_dir()
        except InputError:
            return False

    # ------------------------------------------------------------------ bookkeeping
    def read_meta(self, folder: Path) -> dict[str, Any]:
        try:
            meta = json.loads((folder / md.META_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return meta if isinstance(meta, dict) else {}

    def info(self, name: str) -> RunInfo | None:
        """The run ``name``, or None when there is no such run."""
        folder = self.folder(name)
        if not folder.is_dir():
            return None
        meta = self.read_meta(folder)
        status = meta.get("status") if meta.get("status") in STATUSES else None
        if status is None or status == "finished" and not (folder / md.OUTPUTS_FILE).is_file():
            status = {"finished": "finished", "failed": "failed"}.get(md.status(folder), "new")
        model = meta.get("model") or self._model_of(folder)
        created = meta.get("created") or folder.stat().st_mtime
        if status == "failed" and not meta.get("error"):
            meta["error"] = _first_line(folder / md.ERROR_FILE)
        return RunInfo(folder.name, folder, model, status, created, meta)

    def _model_of(self, folder: Path) -> str:
        """Model of a folder written without the app (by the CLI): from its outputs (cached)."""
        outputs = folder / md.OUTPUTS_FILE
        try:
            mtime = outputs.stat().st_mtime
        except OSError:
            return "derConsumer"
        cached = self._cli_cache.get(folder)
        if cached and cached[0] == mtime:
            return cached[1]
        try:
            model = str(json.loads(outputs.read_text(encoding="utf-8")).get("model", "derConsumer"))
        except (OSError, ValueError):
            model = "derConsumer"
        self._cli_cache[folder] = (mtime, model)
        return model

    def runs(self) -> list[RunInfo]:
        """Every run, newest first."""
        out = []
        for entry in self.root.iterdir():
            if entry.is_dir() and not entry.name.startswith(".") and NAME_PATTERN.fullmatch(entry.name):
                if (entry / md.INPUTS_FILE).is_file() or (entry / md.META_FILE).is_file():
                    info = self.info(entry.name)
                    if info is not None:
                        out.append(info)
        return sorted(out, key=lambda r: (-r.created, r.name))

    def update_meta(self, name_or_folder: str | Path, **changes: Any) -> dict[str, Any]:
        folder = name_or_folder if isinstance(name_or_folder, Path) else self.folder(name_or_folder)
        return update_meta(folder, **changes)

    # ------------------------------------------------------------------ lifecycle
    def create(self, name: str, model: str, inputs_json: dict[str, Any], **meta: Any) -> RunInfo:
        """A new run folder holding the inputs (status ``new``); InputError if the name is taken."""
        folder = self.folder(name)
        try:
            folder.mkdir()
        except FileExistsError:
            raise InputError("run name", name, "a name no other run has") from None
        (folder / md.INPUTS_FILE).write_text(md.dump_json(inputs_json), encoding="utf-8")
        update_meta(folder, model=model, status="new", created=time.time(), **meta)
        return self.info(folder.name)

    def reset(self, name: str, inputs_json: dict[str, Any], **meta: Any) -> None:
        """Replace the run's files by new inputs only (before a rerun: no stale outputs remain)."""
        folder = self.folder(name)
        created = self.read_meta(folder).get("created") or folder.stat().st_mtime
        staging = md.staging_dir(folder)
        try:
            (staging / md.INPUTS_FILE).write_text(md.dump_json(inputs_json), encoding="utf-8")
            md.publish(staging, folder)
        except BaseException:
            md.discard(staging)
            raise
        old = self.read_meta(folder)
        created = old.get("created") or created   # a folder the CLI wrote has no run.json
        keep = {k: old[k] for k in ("model", "duplicated_from") if k in old}
        write_meta(folder, {**keep, "created": created, **meta})

    def delete(self, name: str) -> None:
        folder = self.folder(name)
        trash = Path(tempfile.mkdtemp(prefix=f".{folder.name}.deleted-", dir=self.root))
        os.replace(folder, trash / "run")   # gone from the list at once, then removed
        shutil.rmtree(trash, ignore_errors=True)
        self.clean_leftovers(folder.name)

    def clean_leftovers(self, name: str) -> None:
        """Remove what a run killed mid-way left beside its folder (staging copies); if it was
        killed between the two renames of a publish, put the previous folder back."""
        folder = self.folder(name)
        for old in sorted(self.root.glob(f".{glob_escape(folder.name)}.old-*")):
            if not folder.exists() and (old / "run").is_dir():
                os.replace(old / "run", folder)
            shutil.rmtree(old, ignore_errors=True)
        for staging in self.root.glob(f".{glob_escape(folder.name)}.staging-*"):
            shutil.rmtree(staging, ignore_errors=True)

    def interrupted(self) -> list[str]:
        """Mark runs left queued/running by a server that stopped as failed; their names. A run
        whose process is still alive (another server on the same folder) is left alone."""
        names = []
        for info in self.runs():
            if info.active and not _alive(info.meta.get("pid")):
                self.clean_leftovers(info.name)
                update_meta(info.folder, status="failed", ended=time.time(),
                            error="interrupted: the server stopped before this run finished; press Run to start "
                                  "it again")
                names.append(info.name)
        return names

    def unique_name(self, base: str) -> str:
        """``base``, or ``base 2``, ``base 3``, ... whichever is free."""
        base = base.strip()[:56].rstrip(". ") or "run"
        candidate, n = base, 1
        while self.exists(candidate):
            n += 1
            candidate = f"{base} {n}"
        return candidate

    # ------------------------------------------------------------------ drafts (uploads of a form that
    # failed validation, kept so the user need not upload them again)
    def save_draft(self, token: str | None, uploads: dict[str, tuple[str, bytes]]) -> str | None:
        """Add ``uploads`` ({field: (filename, bytes)}) to draft ``token`` (a new one if None)."""
        if not uploads:
            return token if token and self.load_draft(token) else None
        drafts = self.root / DRAFTS_DIR
        drafts.mkdir(exist_ok=True)
        self._expire_drafts(drafts)
        if token is None or not _DRAFT_TOKEN.fullmatch(token) or not (drafts / token).is_dir():
            token = os.urandom(16).hex()
            (drafts / token).mkdir()
        for name, (filename, content) in uploads.items():
            if not _DRAFT_FIELD.fullmatch(name):     # field names only: never a path
                raise ValueError(f"not a field name: {name!r}")
            (drafts / token / f"{name}.bin").write_bytes(content)
            (drafts / token / f"{name}.name").write_text(filename, encoding="utf-8")
        return token

    def load_draft(self, token: str | None) -> dict[str, tuple[str, bytes]]:
        if not token or not _DRAFT_TOKEN.fullmatch(token):
            return {}
        folder = self.root / DRAFTS_DIR / token
        out = {}
        for content in folder.glob("*.bin") if folder.is_dir() else ():
            name_file = content.with_suffix(".name")
            try:
                out[content.stem] = (name_file.read_text(encoding="utf-8"), content.read_bytes())
            except OSError:
                continue
        return out

    def drop_draft(self, token: str | None) -> None:
        if token and _DRAFT_TOKEN.fullmatch(token):
            shutil.rmtree(self.root / DRAFTS_DIR / token, ignore_errors=True)

    @staticmethod
    def _expire_drafts(drafts: Path) -> None:
        cutoff = time.time() - DRAFT_MAX_AGE_S
        for folder in drafts.iterdir():
            try:
                if folder.stat().st_mtime < cutoff:
                    shutil.rmtree(folder, ignore_errors=True)
            except OSError:
                pass


# =========================================================================== run.json
def write_meta(folder: Path, meta: dict[str, Any]) -> None:
    """Write ``run.json`` atomically (a reader never sees half a file)."""
    fd, tmp = tempfile.mkstemp(prefix=".run-", suffix=".json", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(meta, fh, allow_nan=False)
        os.replace(tmp, folder / md.META_FILE)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def update_meta(folder: Path, **changes: Any) -> dict[str, Any]:
    try:
        meta = json.loads((folder / md.META_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        meta = {}
    meta = {**(meta if isinstance(meta, dict) else {}), **changes}
    write_meta(folder, meta)
    return meta


def _alive(pid: Any) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def glob_escape(name: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", name)


def _first_line(path: Path) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.readline().strip() or None
    except OSError:
        return None
