"""The ``capexsim`` command line: a thin layer over the ``sim`` library.

Every command that takes a scenario accepts ``--set path.to.field=value`` overrides. User
errors (a malformed scenario, an unknown chip) print one line each and exit with status 1;
usage errors exit with status 2, as click does.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

__all__ = ["main"]

F = TypeVar("F", bound=Callable[..., Any])

DESTINATIONS = ("domestic", "overseas_owned", "leased")


def user_errors(func: F) -> F:
    """Print a :class:`sim.errors.CapexsimError` as one line per problem and exit 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from sim.errors import CapexsimError

        try:
            return func(*args, **kwargs)
        except CapexsimError as exc:
            for line in exc.lines():
                click.echo(f"error: {line}", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


set_option = click.option(
    "--set", "overrides", multiple=True, metavar="PATH=VALUE",
    help="Override a field, e.g. --set monte_carlo.runs=500 or --set sites.ulanqab.pue=1.2 "
    "(list items by name or index). Repeatable; the value is read as YAML.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="capexsim", prog_name="capexsim")
def main() -> None:
    """capexsim: what an AI capex plan buys in training and inference throughput, under export
    controls, domestic build-out and leased overseas capacity, with Monte Carlo uncertainty.

    \b
    Example:
      capexsim validate scenarios/bytedance_2026.yaml
      capexsim chips --date 2026-06 --destination domestic
    """


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@set_option
def validate(files: tuple[str, ...], overrides: tuple[str, ...]) -> None:
    """Check scenario files and report every problem, one line each, with file:line:col.

    \b
    Example:
      capexsim validate scenarios/*.yaml
      capexsim validate scenarios/bytedance_2026.yaml --set budget.carry_over=false
    """
    from sim.errors import CapexsimError
    from sim.loading import load_scenario
    from sim.schema.walk import uncertain_fields

    failed = 0
    for file in files:
        try:
            scenario = load_scenario(file, overrides)
        except CapexsimError as exc:
            failed += 1
            for line in exc.lines():
                click.echo(f"error: {line}", err=True)
            continue
        n = len(uncertain_fields(scenario))
        click.echo(f"ok: {file} ({scenario.name!r}, {n} uncertain inputs)")
    if failed:
        click.echo(f"{failed} of {len(files)} file(s) failed validation", err=True)
        sys.exit(1)


@main.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@set_option
@click.option("--runs", type=click.IntRange(min=1), default=1, show_default=True,
              help="Replications (this command runs one; Monte Carlo runs come with the runner).")
@click.option("--seed", type=click.IntRange(min=0), default=None,
              help="Root seed (default: the scenario's monte_carlo.seed).")
@click.option("--replication", type=click.IntRange(min=0), default=0, show_default=True,
              help="Which replication's draws to use.")
@click.option("--nominal", is_flag=True, help="Every uncertain input at its median.")
@click.option("--trace", is_flag=True, help="Print the event log: orders, deliveries, "
              "cancellations, builds, leases, rules, runs, and why.")
@click.option("--check", is_flag=True, help="Check the model's invariants after every event.")
@user_errors
def run(scenario: str, overrides: tuple[str, ...], runs: int, seed: int | None,
        replication: int, nominal: bool, trace: bool, check: bool) -> None:
    """Run a scenario and print its KPIs and targets.

    \b
    Example:
      capexsim run scenarios/bytedance_2026.yaml --runs 1 --seed 7
      capexsim run scenarios/bytedance_2026.yaml --nominal --trace
    """
    from sim.api import replicate
    from sim.errors import CapexsimError
    from sim.loading import load_scenario
    from sim.report.text import format_replication

    if runs != 1:
        raise CapexsimError("--runs: only --runs 1 is available until the Monte Carlo runner lands")
    loaded = load_scenario(scenario, overrides)
    root = loaded.monte_carlo.seed if seed is None else seed
    result = replicate(loaded, replication, seed=root, nominal=nominal, trace=trace, check=check)
    if trace and result.trace is not None:
        for event in result.trace:
            click.echo(event.render(loaded.clock.start))
        click.echo("")
    click.echo(format_replication(loaded, result, seed=root))


@main.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
              help="Write to this file instead of standard output.")
@user_errors
def schema(output: str | None) -> None:
    """Print the JSON Schema of scenario files, for editor validation and completion.

    \b
    Example:
      capexsim schema -o capexsim.schema.json
      # then, first line of a scenario file (VS Code YAML extension):
      # yaml-language-server: $schema=./capexsim.schema.json
    """
    from sim.schema.export import scenario_json_schema

    text = scenario_json_schema()
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text)


@main.command()
@click.option("--date", "date", default=None, metavar="YYYY-MM[-DD]",
              help="Date at which to classify (default: today's month).")
@click.option("--destination", type=click.Choice(DESTINATIONS), default="domestic",
              show_default=True, help="Where the chips would go.")
@click.option("--rule-set", "rule_sets", multiple=True, metavar="ID",
              help="Built-in rule set to apply (repeatable; default: all built-in sets).")
@user_errors
def chips(date: str | None, destination: str, rule_sets: tuple[str, ...]) -> None:
    """List the built-in accelerators with TPP, performance density and H100-equivalents, and
    whether each is allowed, licensed or denied at a date and destination, and by which rule.

    \b
    Example:
      capexsim chips --date 2026-02 --destination domestic
      capexsim chips --date 2026-07 --destination overseas_owned
    """
    import datetime as dt

    from sim.calendar import parse_date
    from sim.catalog.rules import chip_table_rows, format_chip_table
    from sim.errors import CapexsimError

    when = date or dt.date.today().strftime("%Y-%m")
    try:
        parse_date(when)
    except ValueError as exc:
        raise CapexsimError(f"--date: {exc}") from None
    rows = chip_table_rows(when, destination, rule_sets=list(rule_sets) or None)
    click.echo(format_chip_table(rows))


if __name__ == "__main__":  # pragma: no cover
    main()
