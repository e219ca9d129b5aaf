"""The Launchboard benchmark: `check` and the site build at portfolio scale.

    python bench/run.py                      # N = 100, 1,000 and 5,000
    python bench/run.py --quick              # N = 100 only (a minute)
    python bench/run.py --sizes 100,1000 --site-max 1000 --results bench/RESULTS.md

For each N, bench/synth.py writes a governance repository of N initiatives (9 records
each, the sample policy, mkdocs.yml, schemas/ and templates/ copied in), then it measures:

- `check`: the whole process, `launchboard check ROOT --format json --as-of DATE`, run as a
  subprocess; the best of --repeat runs, with the content cache off
  (LAUNCHBOARD_NO_CACHE=1), and again with a warm cache;
- peak memory of that check: getrusage(RUSAGE_CHILDREN).ru_maxrss of a wrapper process that
  runs nothing else (the largest single process, so a pool worker counts on its own), and
  the sum of PSS over the check's process tree (parent and pool workers) sampled every
  10 ms; the larger is shown;
- check-jsonschema validating the same files against the same schemas, one invocation per
  record kind with `--schemafile` (batched to stay under the argument-length limit). It
  reads YAML with ruamel and loads timestamps as strings, so dates validate as they do in
  Launchboard;
- the bare parse of the same files with PyYAML's libyaml loader, in this process:
  `yaml.load(f, Loader=yaml.CSafeLoader)` over every file (it turns dates into
  datetime.date, which costs it a little);
- the site, while N <= --site-max and the MkDocs plugin is present: a full `mkdocs build`
  (NO_MKDOCS_2_WARNING=1), the plugin's share of it (bench/mkdocs_timed.py times the plugin's
  event handlers), and the rebuild `mkdocs serve --dirty` (what `launchboard serve` runs)
  does after one record changes (from the write to the end of the rebuild; the median of
  five edits in one server).

`launchboard history` over a synthetic git history has its own benchmark:
bench/history_run.py (with bench/synth_history.py).

Targets (issue 5): check of 1,000 initiatives <= 0.2x check-jsonschema and <= 1.5x the bare
libyaml parse; time linear in N; peak memory < 300 MB at 5,000; generator share < 10%;
rebuild < 2 s at 1,000. Timings are wall-clock seconds on whatever else the machine runs:
take the best of several runs (--repeat) on a quiet machine.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

import synth  # noqa: E402

AS_OF = synth.AS_OF
KINDS = {
    "policy": "decisions/policy.yaml",
    "initiative": "decisions/*/initiative.yaml",
    "decision": "decisions/*/adr/*.yaml",
    "checklist": "decisions/*/checklists/*.yaml",
}
ARG_BYTES = 100_000  # per check-jsonschema invocation: far below ARG_MAX on every platform

# Runs one command and reports its wall time and memory. getrusage(RUSAGE_CHILDREN) is the
# largest of this wrapper's finished descendants, so the wrapper must run nothing else.
_WRAPPER = r"""
import json, os, resource, subprocess, sys, threading, time

out, cmd = sys.argv[1], sys.argv[2:]
peak = [0]

def tree_rss(pid):
    # PSS, not RSS: forked workers share their parent's pages, and RSS would count them twice
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
            with open(f"/proc/{p}/task/{p}/children") as f:
                todo.extend(int(c) for c in f.read().split())
        except (OSError, ValueError):
            pass
    return total

with open(out, "wb") as sink:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=sink, stderr=subprocess.PIPE)
    def sample():
        while proc.poll() is None:
            peak[0] = max(peak[0], tree_rss(proc.pid))
            time.sleep(0.01)
    sampler = threading.Thread(target=sample, daemon=True)
    if os.path.isdir("/proc"):
        sampler.start()
    err = proc.stderr.read()
    proc.wait()
    wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": wall, "rc": proc.returncode, "maxrss_kb": usage.ru_maxrss, "tree_kb": peak[0],
                  "stderr": err.decode("utf-8", "replace")[-2000:]}))
"""


def _tool(name: str) -> list[str]:
    script = Path(sys.executable).parent / name
    if script.exists():
        return [str(script)]
    found = shutil.which(name)
    if found:
        return [found]
    if name == "launchboard":
        return [sys.executable, "-m", "generator"]
    raise SystemExit(f"{name} is not installed (pip install -e '.[test]')")


def _measure(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[dict, bytes]:
    with tempfile.NamedTemporaryFile(prefix="lb-bench-", delete=False) as tmp:
        out = Path(tmp.name)
    try:
        done = subprocess.run([sys.executable, "-c", _WRAPPER, str(out), *cmd], env=env, cwd=cwd,
                              capture_output=True, text=True, check=True)
        result = json.loads(done.stdout)
        return result, out.read_bytes()
    finally:
        out.unlink(missing_ok=True)


# --------------------------------------------------------------------------- setup


def prepare(work: Path, count: int) -> Path:
    """A governance repository of `count` synthetic initiatives with the site's files."""
    root = work / f"repo-{count}"
    marker = root / ".bench-count"
    if not (marker.exists() and marker.read_text() == f"{count} {AS_OF}\n"):
        if root.exists():
            shutil.rmtree(root)
        synth.generate(root, count, as_of=AS_OF)
        marker.write_text(f"{count} {AS_OF}\n")
    for name in ("mkdocs.yml", "schemas", "templates"):
        src, dest = REPO / name, root / name
        if dest.is_dir():
            shutil.rmtree(dest)
        if src.is_dir():
            shutil.copytree(src, dest)
        elif src.exists():
            shutil.copyfile(src, dest)
    (root / "templates" / "site" / "docs").mkdir(parents=True, exist_ok=True)
    shutil.rmtree(root / ".launchboard-cache", ignore_errors=True)
    return root


def record_files(root: Path) -> dict[str, list[str]]:
    return {kind: sorted(glob.glob(pattern, root_dir=root)) for kind, pattern in KINDS.items()}


# --------------------------------------------------------------------------- measurements


def time_check(root: Path, repeat: int, *, cache: bool) -> dict:
    """Best of `repeat` checks with the cache off; or, with it on, rounds that each empty the
    cache, run once to fill it ("filling") and once more with it warm ("wall")."""
    cmd = [*_tool("launchboard"), "check", str(root), "--format", "json", "--as-of", AS_OF]
    env = dict(os.environ, NO_COLOR="1")
    env.pop("LAUNCHBOARD_NO_CACHE", None)
    if not cache:
        env["LAUNCHBOARD_NO_CACHE"] = "1"
    walls: list[float] = []
    fills: list[float] = []
    summary = {"maxrss_kb": 0, "tree_kb": 0, "problems": 0}
    answers = set()

    def once() -> float:
        result, out = _measure(cmd, env, root)
        if result["rc"] not in (0, 1):
            raise SystemExit(f"check failed (exit {result['rc']}):\n{result['stderr']}")
        report = json.loads(out)
        answers.add(json.dumps(report, sort_keys=True))
        summary["problems"] = len(report["problems"])
        summary["maxrss_kb"] = max(summary["maxrss_kb"], result["maxrss_kb"])
        summary["tree_kb"] = max(summary["tree_kb"], result["tree_kb"])
        return result["wall"]

    for _ in range(repeat):
        shutil.rmtree(root / ".launchboard-cache", ignore_errors=True)
        if cache:
            fills.append(once())
        walls.append(once())
    return summary | {"wall": min(walls), "filling": min(fills) if fills else None, "same_answer": len(answers) == 1}


def time_check_jsonschema(root: Path, files: dict[str, list[str]]) -> dict:
    tool = _tool("check-jsonschema")
    total, invocations = 0.0, 0
    for kind, names in files.items():
        schema = str(root / "schemas" / f"{kind}.schema.json")
        batch: list[str] = []
        size = 0
        batches = []
        for name in names:
            if batch and size + len(name) + 1 > ARG_BYTES:
                batches.append(batch)
                batch, size = [], 0
            batch.append(name)
            size += len(name) + 1
        if batch:
            batches.append(batch)
        for names_ in batches:
            start = time.perf_counter()
            done = subprocess.run([*tool, "--schemafile", schema, *names_], cwd=root, capture_output=True, text=True)
            total += time.perf_counter() - start
            invocations += 1
            if done.returncode != 0:
                raise SystemExit(f"check-jsonschema rejected {kind} files:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return {"wall": total, "invocations": invocations}


def time_libyaml(root: Path, files: dict[str, list[str]], repeat: int) -> float:
    import yaml

    paths = [root / name for names in files.values() for name in names]
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for path in paths:
            with open(path, "rb") as f:
                yaml.load(f, Loader=yaml.CSafeLoader)
        best = min(best, time.perf_counter() - start)
    return best


def site_available() -> bool:
    config = REPO / "mkdocs.yml"
    return (REPO / "generator" / "plugin" / "plugin.py").exists() and config.exists() and "launchboard" in config.read_text(encoding="utf-8")


def _site_env() -> dict[str, str]:
    epoch = int(time.mktime(time.strptime(AS_OF + " 12", "%Y-%m-%d %H")))
    return dict(os.environ, NO_MKDOCS_2_WARNING="1", SOURCE_DATE_EPOCH=str(epoch))


_BENCH_LINE = re.compile(r"LB-BENCH build=([0-9.]+) generator=([0-9.]+).*")


def time_site_build(root: Path, work: Path) -> dict:
    out = work / f"site-{root.name}"
    cmd = [sys.executable, str(REPO / "bench" / "mkdocs_timed.py"), "build", "-q", "-f", str(root / "mkdocs.yml"), "-d", str(out)]
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=root, env=_site_env(), capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"mkdocs build failed:\n{done.stderr[-3000:]}")
    match = _BENCH_LINE.search(done.stderr)
    pages = sum(1 for _ in out.rglob("*.html"))
    mb = sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 1e6
    shutil.rmtree(out, ignore_errors=True)
    helpers = re.search(r"helpers_cpu=([0-9.]+)", match.group(0) if match else "")
    return {
        "wall": wall,
        "build": float(match.group(1)) if match else None,
        "generator": float(match.group(2)) if match else None,
        "helpers_cpu": float(helpers.group(1)) if helpers else None,
        "pages": pages,
        "mb": mb,
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


REBUILD_ROUNDS = 5


def _edited(edit: str, text: str, n: int) -> str:
    """Round N's version of the record: its summary reworded (an everyday edit: a title would
    change the navigation too), or ("checklist") its first done item in progress, or to do,
    in turn (the readiness, board row, catalogue and framework pages change with it)."""
    if edit == "checklist":
        return text.replace("status: done", "status: in-progress" if n % 2 == 0 else "status: todo", 1)
    return re.sub(r"^(summary: \|\n  .*)$", rf"\1 Reworded {n + 1}.", text, count=1, flags=re.M)


def time_rebuild(root: Path, timeout: float, edit: str = "summary") -> dict:
    """`mkdocs serve --dirty` (what `launchboard serve` runs): wait for the first build,
    then REBUILD_ROUNDS times change one record (see _edited) and time the rebuild, from the
    write to the end of the build; the median round, with every round's time."""
    cmd = [sys.executable, str(REPO / "bench" / "mkdocs_timed.py"), "serve", "--dirty", "-f", str(root / "mkdocs.yml"),
           "-a", f"127.0.0.1:{_free_port()}"]
    proc = subprocess.Popen(cmd, cwd=root, env=_site_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines: list[tuple[float, str]] = []
    arrived = threading.Condition()

    def read() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            with arrived:
                lines.append((time.perf_counter(), line))
                arrived.notify_all()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()

    def wait_for(pattern: str, after: int) -> tuple[int, float, str]:
        deadline = time.perf_counter() + timeout
        with arrived:
            while True:
                for index in range(after, len(lines)):
                    if pattern in lines[index][1]:
                        return index, lines[index][0], lines[index][1]
                left = deadline - time.perf_counter()
                if left <= 0 or proc.poll() is not None:
                    tail = "".join(text for _, text in lines[-20:])
                    raise TimeoutError(f"mkdocs serve: no {pattern!r}:\n{tail}")
                arrived.wait(left)

    try:
        index, _, _ = wait_for("Serving on", 0)
        time.sleep(1.0)  # let the watcher settle
        pattern = "*/checklists/evaluation.yaml" if edit == "checklist" else "*/initiative.yaml"
        target = sorted((root / "decisions").glob(pattern))[0]
        text = target.read_text(encoding="utf-8")
        rounds = []
        try:
            for n in range(REBUILD_ROUNDS):
                changed = _edited(edit, text, n)
                assert changed != text
                with arrived:
                    index = len(lines)
                start = time.perf_counter()
                target.write_text(changed, encoding="utf-8")
                index, finished, line = wait_for("LB-BENCH", index)
                match = _BENCH_LINE.search(line)
                rounds.append({
                    "wall": finished - start,
                    "build": float(match.group(1)) if match else None,
                    "generator": float(match.group(2)) if match else None,
                    "parts": line.split("LB-BENCH", 1)[1].strip(),
                })
                time.sleep(1.0)
        finally:
            target.write_text(text, encoding="utf-8")
        # The median round: one rebuild is at the mercy of whatever else the machine runs.
        middle = sorted(rounds, key=lambda r: r["wall"])[len(rounds) // 2]
        return {**middle, "walls": [r["wall"] for r in rounds]}
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --------------------------------------------------------------------------- report


def machine() -> list[str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        free = subprocess.run(["free", "-h"], capture_output=True, text=True).stdout.strip("\n")
    except OSError:
        free = "n/a"
    try:
        nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    except OSError:
        nproc = str(os.cpu_count())
    from importlib.metadata import version

    import yaml

    versions = [f"Python {platform.python_version()}", f"PyYAML {yaml.__version__} (libyaml {yaml._yaml.get_version_string()})"]
    versions += [f"jsonschema {version('jsonschema')}", f"jsonschema-rs {version('jsonschema-rs')}", f"MkDocs {version('mkdocs')}",
                 f"mkdocs-material {version('mkdocs-material')}"]
    cjs = subprocess.run([*_tool("check-jsonschema"), "--version"], capture_output=True, text=True).stdout.strip()
    versions.append(cjs)
    return [
        f"- CPU: {cpu}; `nproc`: {nproc}",
        f"- {platform.system()} {platform.release()}; {', '.join(versions)}",
        "- `free -h`:",
        "",
        "```",
        free,
        "```",
    ]


def _s(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.2f} s" if value < 100 else f"{value:.0f} s"


def table(rows: list[dict]) -> list[str]:
    out = [
        "| initiatives (files) | check | check, warm cache | peak memory | check-jsonschema | check / cjs | libyaml parse | check / libyaml | site build | generator share | rebuild after one change |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        site = r.get("site") or {}
        rebuild = r.get("rebuild") or {}
        note = site.get("note", "n/a")
        short = "not run" if note.startswith("not run") else note
        share = f"{100 * site['generator'] / site['wall']:.0f} %" if site.get("generator") else short
        cold = r["check"]["wall"]
        cjs = r["cjs"]["wall"] if r.get("cjs") else None
        out.append(
            f"| {r['n']:,} ({r['files']:,}) | {_s(cold)} | {_s(r['warm']['wall'])} | "
            f"{max(r['check']['maxrss_kb'], r['check']['tree_kb']) / 1024:.0f} MB | "
            f"{_s(cjs)} | {f'{cold / cjs:.2f}x' if cjs else 'n/a'} | {_s(r['libyaml'])} | {cold / r['libyaml']:.2f}x | "
            f"{_s(site.get('wall')) if site.get('wall') else site.get('note', 'n/a')} | {share} | "
            f"{_s(rebuild.get('wall')) if rebuild.get('wall') else rebuild.get('note', short)} |"
        )
    return out


def details(rows: list[dict]) -> list[str]:
    out = [
        "| initiatives | MB of YAML | problems found | check per 1,000 initiatives | first check (fills the cache) | largest process | process tree (PSS, sampled) | check-jsonschema runs | site pages, MB | plugin time in the build (its forked helpers' CPU, on the other core) | rebuild: the build alone / plugin time in it | rebuild from the save, each of five edits |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in rows:
        site = r.get("site") or {}
        rebuild = r.get("rebuild") or {}
        pages = f"{site['pages']:,}, {site['mb']:.0f}" if site.get("pages") else "n/a"
        out.append(
            f"| {r['n']:,} | {r['mb']:.1f} | {r['check']['problems']:,} | {_s(1000 * r['check']['wall'] / r['n'])} | "
            f"{_s(r['warm'].get('filling'))} | {r['check']['maxrss_kb'] / 1024:.0f} MB | {r['check']['tree_kb'] / 1024:.0f} MB | "
            f"{r['cjs']['invocations'] if r.get('cjs') else 'n/a'} | "
            f"{pages} | "
            f"{_s(site.get('generator'))} ({_s(site.get('helpers_cpu'))}) | "
            f"{_s(rebuild.get('build'))} / {_s(rebuild.get('generator'))} | "
            f"{', '.join(_s(w) for w in rebuild.get('walls', [])) or 'n/a'} |"
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,5000", help="comma-separated initiative counts (default %(default)s)")
    parser.add_argument("--quick", action="store_true", help="N = 100 only")
    parser.add_argument("--repeat", type=int, default=3, help="runs per check timing; the best counts (default %(default)s)")
    parser.add_argument("--site-max", type=int, default=1000, help="largest N to build the site for (default %(default)s)")
    parser.add_argument("--cjs-max", type=int, default=5000, help="largest N to run check-jsonschema for (default %(default)s)")
    parser.add_argument("--rebuild-timeout", type=float, default=900, help="seconds to wait for mkdocs serve (default %(default)s)")
    parser.add_argument("--rebuild-edit", choices=["summary", "checklist"], default="summary",
                        help="what each rebuild round edits: an initiative's summary or a checklist item's status")
    parser.add_argument("--work", type=Path, help="keep the generated repositories here (default: a temporary folder)")
    parser.add_argument("--results", type=Path, help="also write the tables and the machine as Markdown to this file")
    args = parser.parse_args()
    sizes = [100] if args.quick else [int(s) for s in args.sizes.split(",") if s.strip()]
    work = args.work or Path(tempfile.mkdtemp(prefix="lb-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    site = site_available()
    rows: list[dict] = []
    try:
        for n in sizes:
            print(f"N={n}: generating", file=sys.stderr, flush=True)
            root = prepare(work, n)
            files = record_files(root)
            paths = [root / name for names in files.values() for name in names]
            row: dict = {"n": n, "files": len(paths), "mb": sum(p.stat().st_size for p in paths) / 1e6}
            print(f"N={n}: check", file=sys.stderr, flush=True)
            row["check"] = time_check(root, args.repeat, cache=False)
            row["warm"] = time_check(root, args.repeat, cache=True)
            if not (row["check"]["same_answer"] and row["warm"]["same_answer"] and row["check"]["problems"] == row["warm"]["problems"]):
                raise SystemExit(f"N={n}: check gave different answers with and without the cache")
            print(f"N={n}: libyaml parse", file=sys.stderr, flush=True)
            row["libyaml"] = time_libyaml(root, files, args.repeat)
            if n <= args.cjs_max:
                print(f"N={n}: check-jsonschema", file=sys.stderr, flush=True)
                row["cjs"] = time_check_jsonschema(root, files)
            if not site:
                row["site"] = {"note": "n/a (no plugin yet)"}
            elif n > args.site_max:
                row["site"] = {"note": f"not run (N > --site-max {args.site_max})"}
            else:
                print(f"N={n}: site build", file=sys.stderr, flush=True)
                row["site"] = time_site_build(root, work)
                print(f"N={n}: rebuild in mkdocs serve", file=sys.stderr, flush=True)
                try:
                    row["rebuild"] = time_rebuild(root, args.rebuild_timeout, args.rebuild_edit)
                except TimeoutError as err:
                    print(err, file=sys.stderr)
                    row["rebuild"] = {"note": "timed out"}
            rows.append(row)
            print("\n".join(table(rows[-1:])[2:]), file=sys.stderr, flush=True)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    lines = ["## Results", "", *table(rows), "", "Details:", "", *details(rows), "", "## Machine", "", *machine(), ""]
    print("\n".join(lines))
    if args.results:
        args.results.write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
