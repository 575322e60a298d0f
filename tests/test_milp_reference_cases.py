"""Every assertion of the REopt.jl reference cases, through ``omf-der reopt`` (the installed command).

Each variant's scenario file is solved once by the command line in a separate process, exactly as
a user would run it; every assertion of the case (REopt.jl's own and the derived ones, life-cycle
costs included) is then checked against the results file.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from reopt_assertions import CASES, check, variants

_RESULTS: dict[str, dict] = {}


def _omf_der() -> list[str]:
    exe = shutil.which("omf-der", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "omf_der"]


def solved(case: str, scenario: str, tmp_dir: Path) -> dict:
    key = f"{case}/{scenario}"
    if key not in _RESULTS:
        out = tmp_dir / (key.replace("/", "__"))
        proc = subprocess.run([*_omf_der(), "reopt", str(CASES / case / scenario), "-o", str(out)],
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
        _RESULTS[key] = json.loads(out.read_text())
    return _RESULTS[key]


@pytest.mark.parametrize("case, variant, assertion", list(variants()))
def test_reopt_case_assertion(case, variant, assertion, tmp_path_factory):
    results = solved(case, variant["scenario"], tmp_path_factory.getbasetemp())
    assert results["status"] == "optimal"
    check(results, assertion)
