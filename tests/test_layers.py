"""The layers of generator/ form a DAG, so no arrow runs back up the pipeline.

    core  <-  site, exports, authoring  <-  cli  <-  plugin

A module may import its own layer and the layers below it, nothing else: core imports only
core; site, exports and authoring import core, never each other; cli imports any of those;
the plugin imports any layer (it prints the commands' --help on the site), and nothing
imports the plugin. Every `import` counts, at module level or inside a function (a lazy
import is still an arrow). The README's architecture section states the rule.
"""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "generator"

# Each layer and the layers it may import (besides itself). `generator` is the package's
# own __init__ (its version), below everything; __main__ is the `python -m generator` entry.
MAY_IMPORT: dict[str, frozenset[str]] = {
    "generator": frozenset(),
    "core": frozenset({"generator"}),
    "site": frozenset({"generator", "core"}),
    "exports": frozenset({"generator", "core"}),
    "authoring": frozenset({"generator", "core"}),
    # the hub uses every step per source (judge, drift, reports, pages), as the command line does
    "hub": frozenset({"generator", "core", "site", "exports", "authoring"}),
    "cli": frozenset({"generator", "core", "site", "exports", "authoring", "hub"}),
    "plugin": frozenset({"generator", "core", "site", "exports", "authoring", "cli", "hub"}),
    "__main__": frozenset({"generator", "cli"}),
}


def layer_of(module: str) -> str:
    """The layer of a dotted module name inside the package: generator.core.loader -> core."""
    parts = module.split(".")
    assert parts[0] == "generator", module
    return parts[1] if len(parts) > 1 and parts[1] in MAY_IMPORT else "generator"


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(source: str, module: str, is_package: bool = False) -> list[tuple[int, str]]:
    """(line, module) for every import of the package's own modules in SOURCE, anywhere in
    it; a relative import is resolved against MODULE."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")[: len(module.split(".")) - node.level + (1 if is_package else 0)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            # `from generator import site` imports the module generator.site, not a name.
            names = [f"{target}.{alias.name}" for alias in node.names] if target == "generator" else [target]
            found += [(node.lineno, name) for name in names]
    return [(line, name) for line, name in found if name == "generator" or name.startswith("generator.")]


def upward_arrows(source: str, module: str, is_package: bool = False) -> list[str]:
    """The imports in SOURCE that the layering forbids, as 'module:line -> imported'."""
    own = layer_of(module)
    bad = []
    for line, name in imported_modules(source, module, is_package):
        target = layer_of(name)
        if target != own and target not in MAY_IMPORT[own]:
            bad.append(f"{module}:{line} -> {name} ({own} may not import {target})")
    return bad


def modules() -> list[tuple[str, Path]]:
    found = sorted((module_name(p), p) for p in PACKAGE.rglob("*.py"))
    assert len(found) > 40  # the walk found the package
    return found


def test_no_module_imports_a_layer_above_or_beside_its_own() -> None:
    bad = []
    for module, path in modules():
        bad += upward_arrows(path.read_text(encoding="utf-8"), module, path.name == "__init__.py")
    assert bad == []


def test_the_layers_as_imported_form_a_dag() -> None:
    """The arrows the code really has, layer to layer, sort topologically (no cycle), and
    core, the bottom, imports no other layer."""
    graph: dict[str, set[str]] = {layer: set() for layer in MAY_IMPORT}
    for module, path in modules():
        own = layer_of(module)
        for _, name in imported_modules(path.read_text(encoding="utf-8"), module, path.name == "__init__.py"):
            if layer_of(name) != own:
                graph[own].add(layer_of(name))
    order = list(TopologicalSorter(graph).static_order())
    assert order.index("core") < min(order.index(layer) for layer in ("site", "exports", "authoring", "cli", "plugin"))
    assert graph["core"] <= {"generator"}


@pytest.mark.parametrize(("module", "source", "expected"), [
    # the arrows this rule removed, each of which it must catch again
    ("generator.core.pipeline", "from generator.authoring.codeowners import check_codeowners",
     "core may not import authoring"),
    ("generator.authoring.govdiff", "from generator.exports.gfm import gfm_text", "authoring may not import exports"),
    ("generator.exports.gfm", "from generator.site.markdown_safety import plain", "exports may not import site"),
    ("generator.site.render", "def f():\n    from generator.authoring.safe_paths import redirected_out_of",
     "site may not import authoring"),
    ("generator.core.loader", "import generator.cli", "core may not import cli"),
    ("generator.core.loader", "from generator import plugin", "core may not import plugin"),
    ("generator.site.charts", "from ..exports import report", "site may not import exports"),
    ("generator.cli.site", "from generator.plugin.plugin import LaunchboardPlugin", "cli may not import plugin"),
    ("generator.site.render", "from generator.cli.reference import command_helps", "site may not import cli"),
])
def test_the_check_catches_an_upward_or_sideways_import(module: str, source: str, expected: str) -> None:
    [found] = upward_arrows(source, module)
    assert expected in found


def test_the_check_allows_a_downward_import() -> None:
    assert upward_arrows("from generator.core.model import Policy\nfrom generator import __version__",
                         "generator.exports.cyclonedx") == []
    assert upward_arrows("from . import markdown_safety", "generator.site.render") == []


def test_a_cycle_between_layers_fails_the_sort() -> None:
    """What the DAG test relies on: graphlib refuses a cycle such as the one issue 19 found."""
    with pytest.raises(CycleError):
        list(TopologicalSorter({"authoring": {"exports"}, "exports": {"site"}, "site": {"authoring"}}).static_order())


def test_the_command_line_page_still_holds_each_commands_help(tmp_path: Path) -> None:
    """The site no longer imports the command line to print its --help: `render` (and the
    plugin) hand the help texts down. The page must still hold them."""
    from click.testing import CliRunner

    from generator.cli import main
    from generator.cli.reference import command_helps
    from tests.kit import AS_OF, Repo

    repo = Repo.valid(tmp_path / "repo")
    result = CliRunner().invoke(main, ["render", str(repo.root), "--out", str(tmp_path / "pages"), "--as-of", AS_OF],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    page = (tmp_path / "pages" / "cli.md").read_text(encoding="utf-8")
    helps = command_helps()
    assert len(helps) > 10
    for entry in helps:
        assert f"## `{entry.name}`" in page and entry.text.strip() in page, entry.name
