"""A framework page stays light and short at portfolio scale: each control's per-initiative
evidence is collapsed, and beyond 30 initiatives only the incomplete ones are named.

Real records (bench/synth.py, the benchmark's generator) and the real renderer
(`launchboard render`); the 1,000-initiative figures are in the report of issue 21.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.site_helpers import REPO

sys.path.insert(0, str(REPO / "bench"))
import synth  # noqa: E402


def _render(root: Path, out: Path) -> Path:
    result = subprocess.run([sys.executable, "-m", "generator", "render", str(root), "--out", str(out), "--as-of", synth.AS_OF],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    return out


def test_framework_page_collapses_each_controls_initiatives(tmp_path: Path) -> None:
    root = synth.generate(tmp_path / "repo", 60)
    page = (_render(root, tmp_path / "out") / "frameworks" / "nist-ai-600-1" / "index.md").read_text(encoding="utf-8")
    controls = page.split('<h3 id="control-')[1:]
    assert any("not complete</summary>" in c for c in controls)  # the collapsed form is exercised
    for control in controls:
        if "Gap:" in control.split("</h3>", 1)[1][:200]:
            continue
        counts = re.search(r"\*\*Complete for (\d+) of (\d+) initiatives\.\*\*", control)
        assert counts, control[:200]
        done, total = int(counts.group(1)), int(counts.group(2))
        if total <= 30:  # few enough: each one's evidence, behind a summary
            assert control.index("<details") < control.index("<table>") < control.index("</details>")
            continue
        assert "<table>" not in control  # no row per initiative beyond 30
        if done < total:
            assert f"<summary>{total - done} not complete</summary>" in control
            assert control.count('href="../../initiatives/') == min(total - done, 30)
    # per control, a few hundred bytes per listed initiative at most: bounded by 30, not by N
    assert len(page.encode("utf-8")) < 31 * 30 * 400


def test_a_small_portfolio_keeps_each_initiatives_evidence_behind_a_summary(tmp_path: Path) -> None:
    page = (_render(REPO, tmp_path / "out") / "frameworks" / "owasp-llm-2025" / "index.md").read_text(encoding="utf-8")
    llm01 = page.split('<h3 id="control-llm01">', 1)[1].split("<h3 ", 1)[0]
    assert '<details class="lb-fw-rows"><summary>Each initiative\'s evidence</summary>' in llm01
    assert llm01.index("<details") < llm01.index("<table>") < llm01.index("</details>")
