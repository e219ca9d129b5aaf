"""What a reading from a result file means for one metric, for `launchboard ingest`.

Nothing is guessed from the value itself:

- **Scale.** A value is a fraction (0-1) only when the tool defines it so (a pass rate, an
  accuracy; `evals.Reading.scale`) or `--scale` says so; a percentage only when `--scale
  percent` says so. A metric in `%` (or in `fraction`, `ratio`, `proportion`) takes a value
  whose scale is known, converted exactly (0.6 -> 60); a value of unknown scale is refused
  there until `--scale` names it. A metric in any other unit (ms, USD, points) refuses a
  value known to be a proportion, and takes any other as the tool wrote it.
- **Direction.** A file that says whether higher is better (lm-eval's `higher_is_better`)
  must agree with the metric's `direction`.
- **Precision.** A value is rounded to the decimals its tool shows in its own report
  (evals.DECIMALS), half to even, before it is scaled: promptfoo's 5 of 6 tests is 0.8333,
  written 83.33 in a `%` metric, not 83.33333333333334.
- **The same run.** A run the metric already records under the same tool and run id is
  refused, whatever the bytes of its file.
- **Order.** A run dated before the metric's latest measurement is recorded with a warning:
  it does not become the latest.

Each refusal raises IngestError (exit 2, nothing written) naming the file and the field.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from generator.authoring import evals

FRACTION_UNITS = ("fraction", "ratio", "proportion")  # units that mean a 0-1 proportion
_RANGES = {"fraction": (0, 1), "percent": (0, 100)}


class IngestError(Exception):
    """The measurement cannot be appended; the message says why (exit 2, nothing written)."""


def number(value: float) -> str:
    """95 rather than 95.0; otherwise Python's shortest round-tripping form (0.6, 1e-05)."""
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def rounded(value: float, reading: evals.Reading, notes: list[str]) -> float:
    """VALUE to the decimals the tool shows (unchanged when it shows them all, or is large)."""
    if reading.decimals is None or abs(value) >= 1e15:
        return value
    exact = Decimal(repr(float(value)))
    kept = exact.quantize(Decimal(1).scaleb(-reading.decimals), rounding=ROUND_HALF_EVEN).normalize()
    result = float(kept)
    if kept != exact:
        notes.append(f"rounded {number(value)} to {number(result)}: {reading.tool} shows {reading.decimals} decimals")
    return result


def in_metric_unit(value: float, reading: evals.Reading, spec: dict, scale: str | None, file_name: str,
                   notes: list[str]) -> float:
    """VALUE in the metric's unit, from the scale the file or --scale gives; IngestError when
    the scale is unknown where it matters, contradicted, out of its range, or foreign to the unit."""
    known, why = _scale(reading, scale, file_name)
    unit = str(spec.get("unit", "")).strip()
    metric = spec.get("id")
    if unit != "%" and unit.lower() not in FRACTION_UNITS:
        if known is not None:
            raise IngestError(
                f"{file_name}: {reading.what} is a {known} ({why}), but metric {metric!r} is in {unit!r}; a {known} "
                f"fits a metric in % or {'/'.join(FRACTION_UNITS)}: choose the metric it measures, or --select a value in {unit}")
        return value
    if known is None:
        raise IngestError(
            f"{file_name}: the file does not say whether {reading.what} ({number(value)}) is a fraction (0-1) or a "
            f"percentage (0-100), and metric {metric!r} is in {unit!r}; say which with --scale fraction or --scale percent")
    low, high = _RANGES[known]
    if not low <= value <= high:
        raise IngestError(f"{file_name}: {reading.what} is {number(value)}, but {why}: a {known} lies between {low} and {high}")
    target = "percent" if unit == "%" else "fraction"
    if known == target:
        return value
    factor = Decimal(100) if target == "percent" else Decimal("0.01")
    converted = float(Decimal(repr(float(value))) * factor)
    notes.append(f"scaled {number(value)} to {number(converted)} {unit}: the value is a {known} and the metric's unit is {unit}")
    return converted


def _scale(reading: evals.Reading, scale: str | None, file_name: str) -> tuple[str | None, str]:
    """(scale, why) from the file, else from --scale; --scale may not contradict the file."""
    if scale is not None and reading.scale is not None and scale != reading.scale:
        raise IngestError(f"--scale {scale} contradicts {file_name}: {reading.what} is a {reading.scale} ({reading.scale_why})")
    if reading.scale is not None:
        return reading.scale, reading.scale_why
    if scale is not None:
        return scale, f"--scale {scale} says so"
    return None, ""


def refuse_other_direction(reading: evals.Reading, spec: dict, file_name: str) -> None:
    """The file's higher_is_better must match the metric's direction."""
    if reading.higher_is_better is None:
        return
    says = "higher" if reading.higher_is_better else "lower"
    if spec.get("direction") != says:
        raise IngestError(
            f"{file_name}: higher_is_better says {says} is better for {reading.what}, but metric {spec.get('id')!r} has "
            f"direction {spec.get('direction')!r}; the score does not measure that metric")


def refuse_recorded_file(digest: str, measurements: list[dict[str, Any]], metric: str, file_name: str) -> None:
    """A result file (its sha256) is recorded once per metric, under any name."""
    for point in measurements:
        if (point.get("source") or {}).get("sha256") == digest:
            raise IngestError(f"{file_name} (sha256 {digest[:12]}…) is already recorded for metric {metric!r}"
                              f" (measurement of {point.get('date')}); a run is recorded once")


def refuse_recorded_run(tool: str, run: str, measurements: list[dict[str, Any]], metric: str, file_name: str) -> None:
    """A run is recorded once per metric, recognised by its tool's run id, not by its file's bytes."""
    if not run:
        return
    for point in measurements:
        source = point.get("source") or {}
        if source.get("tool") == tool and source.get("run") == run:
            raise IngestError(
                f"{file_name} is {tool} run {run}, already recorded for metric {metric!r} (measurement of "
                f"{point.get('date')}, file {source.get('file')}); a run is recorded once, whatever its file's bytes")


def older_than_latest(when: str, measurements: list[dict[str, Any]], metric: str) -> list[str]:
    """A warning when the run is dated before the metric's latest measurement."""
    latest = max((str(p.get("date")) for p in measurements if p.get("date")), default="")
    if latest and when < latest:
        return [f"the run is dated {when}, before metric {metric!r}'s latest measurement ({latest}): it is recorded, "
                f"but the latest stays the one of {latest}"]
    return []
