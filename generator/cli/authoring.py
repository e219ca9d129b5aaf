"""Authoring commands: `new`, `diff`, `codeowners` and `import adr`; cli.py registers COMMANDS.

Each command parses its options and calls the module that does the work (scaffold.py,
govdiff.py, codeowners.py, importer.py). Exit codes follow `check`: 0 done, 1 findings
(`codeowners --check` when stale), 2 usage or configuration error, including any attempt to
overwrite an existing file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from generator.authoring import codeowners as codeowners_mod
from generator.core import codeowners as owners_rules
from generator.authoring import govdiff
from generator.authoring import importer
from generator.authoring import scaffold
from generator.core.loader import clean_text
from generator.core.model import Portfolio
from generator.exports.report import neutralise

from generator.cli.options import as_of_option as AS_OF_OPTION
from generator.cli.options import pick_root, root_last


class Refused(click.ClickException):
    """An error that exits 2 (usage or configuration), printed as `launchboard: error: ...`."""

    exit_code = 2

    def format_message(self) -> str:
        return self.message

    def show(self, file=None) -> None:  # noqa: ANN001 - click's signature
        _echo(f"launchboard: error: {self.format_message()}", err=True)


def _echo(text: str, err: bool = False) -> None:
    """Print text that may hold record text, so that no CI runner reads it as a workflow command."""
    click.echo(neutralise(text), err=err)


def _portfolio(root: Path, as_of: str | None = None) -> Portfolio:
    from generator.core.pipeline import UsageError, load_portfolio

    try:
        return load_portfolio(root, as_of)
    except UsageError as exc:
        raise Refused(str(exc)) from exc


def _portfolio_with_policy(root: Path) -> Portfolio:
    portfolio = _portfolio(root)
    if portfolio.unusable or portfolio.policy is None:
        raise Refused("decisions/policy.yaml is missing or unusable; `launchboard check` says why")
    return portfolio


def _created(paths: list[str], next_step: str) -> None:
    for path in paths:
        _echo(f"created {path}")
    _echo(next_step)


# --------------------------------------------------------------------------- new


@click.group("new")
def new() -> None:
    """Scaffold a record from templates/scaffold/, pre-filled from the policy.

    No file is ever overwritten: a command that would do so writes nothing and exits 2.
    """


@new.command("initiative")
@click.argument("initiative_id", metavar="ID")
@root_last
@click.option("--title", help="Human title (default: from the id).")
@click.option("--owner", "owners", multiple=True, metavar="@HANDLE", help="An owner; repeat for several.")
@click.option("--risk", type=click.Choice(scaffold.RISKS), default="medium", show_default=True)
@click.option("--approach", type=click.Choice(scaffold.APPROACHES), default="prompt", show_default=True,
              help="The approach expected; the accepted decision settles it.")
@click.option("--checklists/--no-checklists", default=True, show_default=True,
              help="Also create every checklist of the policy, all items todo.")
@AS_OF_OPTION
def new_initiative(initiative_id, root, root_option, title, owners, risk, approach, checklists, as_of) -> None:
    """Create ROOT/decisions/ID/ with initiative.yaml at the first stage (and its checklists)."""
    root = pick_root(root, root_option)
    portfolio = _portfolio_with_policy(root)
    try:
        planned = scaffold.plan_initiative(
            root, portfolio.policy, initiative_id, title=title, owners=owners, risk=risk,
            approach=approach, as_of=as_of, with_checklists=checklists,
        )
        written = scaffold.write(root, planned)
    except scaffold.ScaffoldError as exc:
        raise Refused(str(exc)) from exc
    _created(
        written,
        f"next: fill in the TODOs in decisions/{initiative_id}/initiative.yaml, record the choice with "
        f'`launchboard new decision {initiative_id} "Title"`, then run `launchboard check`',
    )


@new.command("decision")
@click.argument("initiative_id", metavar="INITIATIVE")
@click.argument("title")
@root_last
@click.option("--decider", "deciders", multiple=True, metavar="@HANDLE",
              help="A decider; repeat for several (default: the initiative's owners).")
@AS_OF_OPTION
def new_decision(initiative_id, title, root, root_option, deciders, as_of) -> None:
    """Create the next decision record, adr/NNNN-slug.yaml, weighing the policy's criteria.

    Nothing is chosen: `outcome.chosen` is left for the author to set with the status.
    """
    root = pick_root(root, root_option)
    portfolio = _portfolio_with_policy(root)
    try:
        if not deciders:
            existing = portfolio.initiative(initiative_id)
            deciders = tuple(existing.owners) if existing else ()
        planned = scaffold.plan_decision(root, portfolio.policy, initiative_id, title, deciders=deciders, as_of=as_of)
        written = scaffold.write(root, [planned])
    except scaffold.ScaffoldError as exc:
        raise Refused(str(exc)) from exc
    _created(written, "next: weigh the options and score each criterion, choose, set status: accepted, then run `launchboard check`")


@new.command("checklist")
@click.argument("initiative_id", metavar="INITIATIVE")
@click.argument("checklist")
@root_last
def new_checklist(initiative_id, checklist, root, root_option) -> None:
    """Create checklists/CHECKLIST.yaml with every item the policy defines, all todo."""
    root = pick_root(root, root_option)
    portfolio = _portfolio_with_policy(root)
    try:
        if not (root / "decisions" / scaffold.check_id(initiative_id, "initiative") / "initiative.yaml").is_file():
            raise scaffold.ScaffoldError(
                f"decisions/{initiative_id}/initiative.yaml does not exist: "
                f"create it first with `launchboard new initiative {initiative_id}`"
            )
        planned = scaffold.plan_checklist(root, portfolio.policy, initiative_id, checklist)
        written = scaffold.write(root, [planned])
    except scaffold.ScaffoldError as exc:
        raise Refused(str(exc)) from exc
    _created(written, "next: complete each item with evidence, approver and date, then run `launchboard check`")


@new.command("runbook")
@click.argument("initiative_id", metavar="INITIATIVE")
@click.argument("runbook", metavar="ID")
@root_last
@click.option("--title", default=None, help="One line saying when to use it (default: the policy topic's title).")
@click.option("--contact", "contacts", multiple=True, metavar="@HANDLE",
              help="An escalation contact, in order; repeat for several (default: the initiative's owners).")
@AS_OF_OPTION
def new_runbook(initiative_id, runbook, root, root_option, title, contacts, as_of) -> None:
    """Create runbooks/ID.yaml with every section and the policy's runbook topics."""
    root = pick_root(root, root_option)
    portfolio = _portfolio_with_policy(root)
    try:
        if not contacts:
            existing = portfolio.initiative(initiative_id)
            contacts = tuple(existing.owners) if existing else ()
        planned = scaffold.plan_runbook(root, portfolio.policy, initiative_id, runbook, title=title, contacts=contacts, as_of=as_of)
        written = scaffold.write(root, [planned])
    except scaffold.ScaffoldError as exc:
        raise Refused(str(exc)) from exc
    _created(written, "next: replace the TODOs, record a drill under exercises once it has run, then run `launchboard check`")


# --------------------------------------------------------------------------- diff


@click.command("diff")
@click.argument("base")
@click.argument("revisions", nargs=-1, metavar="[HEAD] [ROOT]")
@click.option("--root", "root_option", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The repository (default: the current folder).")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default=None,
              help="Output format (default: text on a terminal, Markdown otherwise).")
@AS_OF_OPTION
def diff(base, revisions, root_option, fmt, as_of) -> None:
    """What changes from git revision BASE to HEAD, in governance terms (HEAD: a revision;
    without it, the working tree). Both are judged as of the same day.

    The two ledgers compared: every requirement whose verdict or basis changed, with its
    cause, and what lowers the bar marked 🔻. Also stage moves and whether the new stage's
    gate holds, initiatives added or retired, policy changes that move a gate (and the
    initiatives they reach), frameworks, packs and control mappings, risk, approach or tags
    changing which items are required, decisions, checklist items, runbooks and their
    exercises, metrics and their gates, and problems introduced or fixed.
    Markdown suits a pull request's summary:

        launchboard diff origin/main >> "$GITHUB_STEP_SUMMARY"
        launchboard diff HEAD~40 HEAD~1 --format text
    """
    from generator.core.pipeline import UsageError

    head, root = _diff_operands(revisions, root_option)
    try:
        result = govdiff.diff_against(root, base, as_of, head=head)
    except (govdiff.DiffError, UsageError) as exc:
        raise Refused(str(exc)) from exc
    fmt = fmt or ("text" if sys.stdout.isatty() else "markdown")
    if fmt == "json":
        # "##[" can only occur inside JSON strings: escaping its bracket keeps the data identical.
        click.echo(json.dumps(result.as_dict(), indent=2, ensure_ascii=False).replace("##[", "##\\u005b"))
    elif fmt == "text":
        _echo(govdiff.to_text(result))
    else:
        _echo(govdiff.to_markdown(result))


def _diff_operands(revisions: tuple[str, ...], root_option: Path | None) -> tuple[str | None, Path]:
    """HEAD and ROOT from `diff BASE [HEAD] [ROOT]`. With one operand, a folder holding
    decisions/ is ROOT (as before HEAD existed) and anything else is HEAD."""
    if len(revisions) > 2:
        raise click.UsageError("diff takes BASE, and at most HEAD and ROOT")
    head: str | None = None
    root = root_option
    if len(revisions) == 2:
        head, given = revisions
        if root is not None and Path(given) != root:
            raise click.UsageError("ROOT given twice (as an argument and as --root)")
        root = Path(given)
    elif len(revisions) == 1:
        (only,) = revisions
        if (Path(only) / "decisions").is_dir() and root is None:
            root = Path(only)
        else:
            head = only
    return head, root if root is not None else Path(".")


# --------------------------------------------------------------------------- codeowners


@click.command("codeowners")
@click.argument("root", required=False, default=Path("."), type=click.Path(file_okay=False, path_type=Path))
@click.option("--check", "check_only", is_flag=True, help="Only verify: exit 1 when the file is missing or stale.")
def codeowners(root, check_only) -> None:
    """Write or verify ROOT/.github/CODEOWNERS from the policy's checklist owners.

    Each checklist with owners gets a rule such as
    `/decisions/*/checklists/security-review.yaml @org/security`, so a change to a checklist
    needs a review from the team that approves it; `/decisions/*/runbooks/` gets the
    runbook owners (policy runbooks.owners, else the on-call checklist's). Only the block between the
    `# BEGIN launchboard` and `# END launchboard` lines is Launchboard's; the rest of the file
    is kept as it is. `/decisions/frameworks/` gets the owners the file gives the policy
    (the last matching rule, whatever its pattern). `--check` also fails while the file
    leaves part of the trusted layer (policy, schemas, templates, code, mkdocs.yml,
    pyproject.toml, scripts, CI and pre-commit configuration) without an owner, or a
    framework pack to anyone but the policy's owners.
    """
    policy = _portfolio_with_policy(root).policy
    try:
        if check_only:
            comparison = owners_rules.compare(root, policy)
            unowned = owners_rules.unowned_trusted_paths(root) if comparison.exists else []
            overriding = owners_rules.overriding_rules(root, policy) if comparison.exists else []
            council, packs = owners_rules.packs_not_owned_like_the_policy(root)
            if comparison.exists and comparison.up_to_date and not unowned and not overriding and not packs:
                click.echo(f"{owners_rules.CODEOWNERS_PATH} is up to date")
                return
            if not comparison.exists or not comparison.up_to_date:
                state = "is missing" if not comparison.exists else "is out of date with decisions/policy.yaml"
                click.echo(f"{owners_rules.CODEOWNERS_PATH} {state}: run `launchboard codeowners` and commit it", err=True)
            if unowned:
                click.echo(f"{owners_rules.CODEOWNERS_PATH} {owners_rules.unowned_message(unowned)}", err=True)
            for number, checklist_id in overriding:
                click.echo(f"{owners_rules.CODEOWNERS_PATH}:{number}: {owners_rules.overriding_message(number, checklist_id)}", err=True)
            if packs:
                click.echo(f"{owners_rules.CODEOWNERS_PATH} {owners_rules.packs_message(council, packs)}", err=True)
            sys.exit(1)
        changed = codeowners_mod.write(root, policy)
    except owners_rules.CodeownersError as exc:
        raise Refused(str(exc)) from exc
    click.echo(f"{'wrote' if changed else 'unchanged:'} {owners_rules.CODEOWNERS_PATH}")
    unowned = owners_rules.unowned_trusted_paths(root)
    if unowned:  # not Launchboard's lines to write: the owners of the trusted layer are the repository's choice
        click.echo(f"warning: {owners_rules.CODEOWNERS_PATH} {owners_rules.unowned_message(unowned)}", err=True)
    council, packs = owners_rules.packs_not_owned_like_the_policy(root)
    if packs:  # the policy has no owner to share, or a rule below the block takes the packs
        click.echo(f"warning: {owners_rules.CODEOWNERS_PATH} {owners_rules.packs_message(council, packs)}", err=True)


# --------------------------------------------------------------------------- import


@click.group("import")
def import_() -> None:
    """Convert records kept in other formats into Launchboard records."""


@import_.command("adr")
@click.argument("source", metavar="DIR", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("initiative_id", metavar="INITIATIVE")
@root_last
@click.option("--decider", "deciders", multiple=True, metavar="@HANDLE",
              help="Decider for records that name no @handle (default: the initiative's owners).")
@click.option("--renumber", is_flag=True, help="Number after the initiative's existing decisions instead of refusing.")
@click.option("--dry-run", is_flag=True, help="Print what would be written; write nothing.")
@AS_OF_OPTION
def import_adr(source, initiative_id, root, root_option, deciders, renumber, dry_run, as_of) -> None:
    """Convert Markdown decision records in DIR (MADR or adr-tools) into INITIATIVE's decisions.

    Reads every Markdown file in DIR (README and templates skipped), never changes them, and writes
    decisions/INITIATIVE/adr/NNNN-slug.yaml for each. What could not be mapped is reported
    (and kept under `x-imported` in the record where it has no field). Existing files are
    never overwritten: if any target exists, nothing is written.
    """
    root = pick_root(root, root_option)
    try:
        for decider in deciders:
            scaffold.check_handle(decider)
        result = importer.import_directory(
            source, root, initiative_id, as_of=as_of, deciders=list(deciders), renumber=renumber
        )
        for note in result.notes:
            _echo_shown(f"{note.source}: {note.message}", err=True)
        if dry_run:
            for planned in result.planned:
                _echo_shown(f"# would create {planned.path}")
                for line in planned.content.split("\n"):
                    _echo_shown(line)
            return
        written = scaffold.write(root, result.planned)
    except (importer.ImportError_, scaffold.ScaffoldError) as exc:
        raise Refused(clean_text(str(exc), 10_000)) from exc
    for path in written:
        _echo_shown(f"created {path}")
    _echo(f"imported {len(written)} decision(s); review the notes above, then run `launchboard check`")


def _echo_shown(line: str, err: bool = False) -> None:
    """One line of imported text: control characters and terminal escapes shown as `\\x1b`, not sent."""
    _echo(clean_text(line, 10_000), err=err)


COMMANDS: list[click.Command] = [new, diff, codeowners, import_]
