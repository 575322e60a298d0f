"""Shared test helpers: paths to the shared reference material (``../shared`` beside the repo)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
OMF_DATA = SHARED / "data" / "omf"


@pytest.fixture(scope="session")
def omf_data() -> Path:
    """The reference model's example inputs (cross-checks only; never copied into the project)."""
    if not OMF_DATA.is_dir():
        pytest.fail(f"shared reference data not found at {OMF_DATA} (CI keeps ../shared beside the repo)")
    return OMF_DATA
