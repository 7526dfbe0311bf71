"""From a path in a URL to a file or folder inside the runs folder, or to nothing.

A request names files by their path relative to the runs folder.  Anything that would
leave it is refused the same way as a file that does not exist (the server answers
404): ``..`` parts (also sent encoded as ``%2e%2e``, which the server has decoded by
then), absolute paths, NUL bytes, and symlinks whose target lies outside.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath


def inside(root: Path, relative: str) -> Path | None:
    """The existing path ``relative`` names under ``root``, resolved (symlinks
    followed), or None when it does not exist or is not inside ``root``."""
    if "\0" in relative or "\\" in relative:
        return None
    parts = PurePosixPath(relative).parts
    if relative.startswith("/") or any(p == ".." for p in parts):
        return None
    base = root.resolve()
    try:
        target = base.joinpath(*parts).resolve(strict=True)
    except (OSError, RuntimeError):  # missing, or a symlink loop
        return None
    return target if target == base or target.is_relative_to(base) else None


def relative(root: Path, path: Path) -> str:
    """``path`` as a URL names it: relative to ``root``, with ``/``."""
    return path.resolve().relative_to(root.resolve()).as_posix()
