"""Run the mkdocs command line with the Launchboard plugin's event handlers timed.

    python bench/mkdocs_timed.py build -f mkdocs.yml -d site
    python bench/mkdocs_timed.py serve -f mkdocs.yml -a 127.0.0.1:8123

Used by bench/run.py to measure the generator's share of a site build without changing
the plugin: every `on_*` handler that LaunchboardPlugin defines is wrapped with a timer,
and after each build (one for `build`, one per rebuild for `serve`) a line

    LB-BENCH build=12.345 generator=1.234

goes to stderr: the whole build and the time spent inside the plugin's handlers (loading,
validating and evaluating the records, rendering the pages, sanitising their HTML).
"""

from __future__ import annotations

import functools
import sys
import time

_spent = [0.0]
_parts: dict[str, float] = {}  # seconds per handler, and in load_portfolio and render_site


def _timed(method, name: str, total: bool = True):
    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            spent = time.perf_counter() - start
            if total:
                _spent[0] += spent
            _parts[name] = _parts.get(name, 0.0) + spent

    return wrapper


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _instrument() -> None:
    import mkdocs.commands.build as build_module
    from mkdocs.plugins import CombinedEvent

    from generator.plugin.plugin import LaunchboardPlugin

    import generator.plugin.plugin as plugin_module

    for name, value in list(vars(LaunchboardPlugin).items()):
        if not name.startswith("on_") or name == "on_serve":
            continue
        if isinstance(value, CombinedEvent):  # several handlers under one event name
            setattr(LaunchboardPlugin, name, CombinedEvent(*(_timed(method, name) for method in value.methods)))
        elif callable(value):
            setattr(LaunchboardPlugin, name, _timed(value, name))
    # Inside on_config: where its time goes (already counted in the total above).
    plugin_module.load_portfolio = _timed(plugin_module.load_portfolio, "load", total=False)
    plugin_module.render_site = _timed(plugin_module.render_site, "render", total=False)

    original = build_module.build

    @functools.wraps(original)
    def build(*args, **kwargs):
        _spent[0] = 0.0
        _parts.clear()
        start = time.perf_counter()
        children = _children_cpu()
        try:
            return original(*args, **kwargs)
        finally:
            total = time.perf_counter() - start
            # CPU of the processes the plugin forked (record readers, renderer, page sanitiser)
            # and reaped during this build: work done on the other core, beside the main one.
            _parts["helpers_cpu"] = _children_cpu() - children
            parts = " ".join(f"{name}={seconds:.3f}" for name, seconds in sorted(_parts.items()))
            print(f"LB-BENCH build={total:.3f} generator={_spent[0]:.3f} {parts}", file=sys.stderr, flush=True)

    build_module.build = build


def main() -> None:
    _instrument()  # before mkdocs.commands.serve imports build(); on_config runs inside build()
    from mkdocs.__main__ import cli

    sys.argv = ["mkdocs", *sys.argv[1:]]
    cli()


if __name__ == "__main__":
    main()
