"""`launchboard ingest`: one measurement from an evaluation tool's result file (authoring/ingest.py)."""

from __future__ import annotations

from pathlib import Path

import click

from generator.authoring import evals
from generator.authoring import ingest as ingest_mod
from generator.authoring import scaffold
from generator.cli.authoring import Refused, _echo
from generator.cli.options import as_of_option, pick_root, root_last


@click.command()
@click.argument("result_file", metavar="FILE", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@root_last
@click.option("--initiative", "initiative_id", required=True, metavar="ID", help="The initiative whose metric it measures.")
@click.option("--metric", "metric_id", required=True, metavar="ID", help="The metric (its id in initiative.yaml).")
@click.option("--format", "fmt", type=click.Choice(evals.FORMATS), help="The file's format (default: detected, and said).")
@click.option("--select", metavar="WHAT",
              help="Which score: promptfoo NAME (a named score; default the pass rate), lm-eval TASK/METRIC "
                   "(e.g. hellaswag/acc,none), inspect SCORER/METRIC (default the headline), json a.b.0.c.")
@click.option("--scale", type=click.Choice(evals.SCALES),
              help="What the value is when the file does not say: a fraction (0-1) or a percent (0-100). "
                   "Needed for a metric in % when the tool does not define the score as a proportion.")
@click.option("--date", metavar="DATE", help="The measurement's date YYYY-MM-DD (default: the run's timestamp in the file).")
@click.option("--dry-run", is_flag=True, help="Print the measurement; write nothing.")
@as_of_option
def ingest(result_file, root, root_option, initiative_id, metric_id, fmt, select, scale, date, dry_run, as_of) -> None:
    """Append one measurement read from an evaluation run's result FILE to a metric.

    Reads promptfoo's `--output` JSON, an lm-evaluation-harness results_*.json, an Inspect AI
    log (.eval or .json), or any JSON (with --select a.b.c), and appends {date, value, source}
    to the metric in decisions/ID/initiative.yaml, changing nothing else in the file. A score
    the tool defines as a fraction becomes a percentage when the metric's unit is `%`; any
    other scale comes from --scale, never from the value. Exit 2, with nothing written, for an
    unknown initiative or metric, a run already recorded for the metric (same sha256 or run
    id), a file that is not what --format says, a selection the file lacks, a malformed value
    or count, or a scale, unit or direction that does not fit the metric. A run older than the
    metric's latest measurement is recorded with a warning.
    """
    root = pick_root(root, root_option)
    try:
        done = ingest_mod.ingest(
            result_file, root, initiative_id, metric_id,
            fmt=fmt, select=select, date=date, scale=scale, today=scaffold.today(as_of), dry_run=dry_run,
        )
    except (ingest_mod.IngestError, evals.EvalError, scaffold.ScaffoldError) as exc:
        raise Refused(f"{exc} (nothing was written)") from exc
    if done.detected:
        _echo(f"detected format: {done.fmt}")
    _echo(f"read {done.reading.what}: {ingest_mod._number(done.reading.value)}")
    for note in done.notes:
        _echo(note)
    for warning in done.warnings:
        _echo(f"launchboard: warning: {warning}", err=True)
    source = done.entry["source"]
    run = f", run {source['run']}" if "run" in source else ""
    verb = "would append" if dry_run else "appended"
    _echo(f"{verb} {metric_id} = {ingest_mod._number(done.value)} on {done.date} to {done.record}"
          f" (source {source['tool']} {source['file']}{run}, sha256 {source['sha256'][:12]}…)")


COMMANDS: list[click.Command] = [ingest]
