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


def _timed(method):
    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            _spent[0] += time.perf_counter() - start

    return wrapper


def _instrument() -> None:
    import mkdocs.commands.build as build_module
    from mkdocs.plugins import CombinedEvent

    from generator.plugin import LaunchboardPlugin

    for name, value in list(vars(LaunchboardPlugin).items()):
        if not name.startswith("on_") or name == "on_serve":
            continue
        if isinstance(value, CombinedEvent):  # several handlers under one event name
            setattr(LaunchboardPlugin, name, CombinedEvent(*(_timed(method) for method in value.methods)))
        elif callable(value):
            setattr(LaunchboardPlugin, name, _timed(value))

    original = build_module.build

    @functools.wraps(original)
    def build(*args, **kwargs):
        _spent[0] = 0.0
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            total = time.perf_counter() - start
            print(f"LB-BENCH build={total:.3f} generator={_spent[0]:.3f}", file=sys.stderr, flush=True)

    build_module.build = build


def main() -> None:
    _instrument()  # before mkdocs.commands.serve imports build(); on_config runs inside build()
    from mkdocs.__main__ import cli

    sys.argv = ["mkdocs", *sys.argv[1:]]
    cli()


if __name__ == "__main__":
    main()
