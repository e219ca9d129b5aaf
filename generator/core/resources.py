"""Where Launchboard's own files live: schemas/ and templates/.

A governance repository is a fork of this one, so ROOT/schemas and ROOT/templates win
(a platform team may extend them); an installed package falls back to the copies it
ships (pyproject maps them in as generator.schemas and generator.templates).
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent  # generator/
_REPO = _PACKAGE.parent


def resource_dir(name: str, root: Path | None = None) -> Path:
    """ROOT/<name> when ROOT has one, else this checkout's, else the installed package's copy."""
    candidates = [root / name] if root is not None else []
    candidates += [_REPO / name, _PACKAGE / name]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"Launchboard's {name}/ folder is missing from this installation")
