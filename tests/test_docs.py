"""The project's documents stand alone: no citation of files outside the repository."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEXT = [
    *sorted((ROOT / "nnexp").rglob("*.py")),
    *sorted((ROOT / "docs").rglob("*.md")),
    ROOT / "README.md",
]


def test_nothing_cites_the_spec_file_that_is_not_in_the_repository():
    cited = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in TEXT
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"SPEC(\.md)?\s*(§|E\d)|SPEC\.md|\bthe SPEC\b", line)
    ]
    assert cited == []


def test_every_maths_reference_names_a_section_that_exists():
    maths = (ROOT / "docs" / "maths.md").read_text()
    sections = set(re.findall(r"^## (\d+)\.", maths, flags=re.M))
    cited = {
        (str(path.relative_to(ROOT)), number)
        for path in TEXT
        for ref in re.findall(r"maths\.md((?:,? ?§\d+)+)", path.read_text())
        for number in re.findall(r"§(\d+)", ref)
    }
    assert cited, "the code cites docs/maths.md"
    assert {(f, n) for f, n in cited if n not in sections} == set()


def python_api_block() -> str:
    """The code of the README's "Python API" section."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## Python API\n", 1)[1].split("\n## ", 1)[0]
    return section.split("```python\n", 1)[1].split("\n```", 1)[0]


def test_the_readme_python_api_runs_as_written(tmp_path):
    """Every line of the README's Python API block, in a fresh process, from a
    folder that has the repository's configs/ (as the README's own folder has)."""
    import os
    import subprocess
    import sys

    (tmp_path / "configs").symlink_to(ROOT / "configs")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    result = subprocess.run(
        [sys.executable, "-c", python_api_block()],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "activations.html").is_file()
    assert len(list((tmp_path / "runs" / "sweeps").iterdir())) == 1
