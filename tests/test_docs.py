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
