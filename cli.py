"""The ``capexsim`` command line: a thin layer over the ``sim`` library.

Every command that takes a scenario accepts ``--set path.to.field=value`` overrides. User
errors (a malformed scenario, an unknown chip) print one line each and exit with status 1;
usage errors exit with status 2, as click does.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
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
    help="Override a field, e.g. --set monte_carlo.runs=500 or --set "
    "sites.domestic_west.pue=1.2 (list items by name or index). Repeatable; the value is read "
    "as YAML.",
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
    from sim.model.space import input_space

    failed = 0
    for file in files:
        try:
            scenario = load_scenario(file, overrides)
        except CapexsimError as exc:
            failed += 1
            for line in exc.lines():
                click.echo(f"error: {line}", err=True)
            continue
        n = len(input_space(scenario).names)
        click.echo(f"ok: {file} ({scenario.name!r}, {n} uncertain inputs)")
    if failed:
        click.echo(f"{failed} of {len(files)} file(s) failed validation", err=True)
        sys.exit(1)


@main.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@set_option
@click.option("--runs", type=click.IntRange(min=1), default=None,
              help="Replications (default: the scenario's monte_carlo.runs). 1 prints one "
              "replication's KPIs.")
@click.option("--precision", type=click.FloatRange(min=0, max=1, min_open=True, max_open=True),
              default=None, metavar="REL",
              help="Instead of --runs: run until every headline KPI mean's 95% half-width is "
              "within REL of it (and target probabilities within REL absolute), e.g. 0.01. "
              "Exit status 3 (results written) if --max-runs stops it first.")
@click.option("--max-runs", type=click.IntRange(min=1), default=None,
              help="Cap for --precision (default 100,000).")
@click.option("--seed", type=click.IntRange(min=0, max=2**63 - 1), default=None,
              help="Root seed (default: the scenario's monte_carlo.seed).")
@click.option("--design", type=click.Choice(["mc", "lhs", "sobol"]), default=None,
              help="Sampling design (default: the scenario's monte_carlo.design).")
@click.option("--executor", type=click.Choice(["serial", "processes", "dask"]),
              default=None, help="Where replications run (default: processes; dask with "
              "--scheduler).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: all local cores).")
@click.option("--scheduler", default=None, metavar="tcp://HOST:PORT",
              help="An existing Dask scheduler to run on.")
@click.option("--batch-size", type=click.IntRange(min=1), default=None,
              help="Replications per task (default: about 4 tasks per worker, at most 64).")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Run directory (default: runs/<scenario>-<YYYYmmdd-HHMMSS>).")
@click.option("--resume", is_flag=True, help="Finish the killed run in --out.")
@click.option("--overwrite", is_flag=True, help="Replace an existing run directory.")
@click.option("--series", "keep_series", is_flag=True, default=None,
              help="Also keep every replication's monthly series (series.parquet).")
@click.option("--replication", type=click.IntRange(min=0), default=None,
              help="Run only this replication's draws (one replication; default 0).")
@click.option("--nominal", is_flag=True, help="One replication, every uncertain input at its "
              "median.")
@click.option("--trace", is_flag=True, help="One replication, with its event log: orders, "
              "deliveries, cancellations, builds, leases, rules, runs, and why.")
@click.option("--check", is_flag=True, help="Check the model's invariants after every event.")
@user_errors
def run(scenario: str, overrides: tuple[str, ...], runs: int | None, precision: float | None,
        max_runs: int | None, seed: int | None, design: str | None, executor: str | None,
        workers: int | None, scheduler: str | None, batch_size: int | None, out: str | None,
        resume: bool, overwrite: bool, keep_series: bool | None, replication: int | None,
        nominal: bool, trace: bool, check: bool) -> None:
    """Run a scenario's Monte Carlo replications and print the summary: per KPI the mean with
    its 95% interval and percentiles, each target's probability. Results go to a run
    directory (KPIs per replication in Parquet, series bands, summary.json); the seed and the
    directory are printed. One replication (--runs 1, --replication, --nominal, --trace)
    prints its KPIs instead.

    \b
    Example:
      capexsim run scenarios/bytedance_2026.yaml --runs 1000 --seed 7
      capexsim run scenarios/bytedance_2026.yaml --precision 0.01 --design sobol
      capexsim run scenarios/bytedance_2026.yaml --runs 100000 --out runs/big --resume
      capexsim run scenarios/bytedance_2026.yaml --executor dask --scheduler tcp://127.0.0.1:8786
      capexsim run scenarios/bytedance_2026.yaml --nominal --trace
    """
    from sim.errors import CapexsimError
    from sim.loading import load_scenario

    loaded = load_scenario(scenario, overrides)
    one = nominal or trace or replication is not None
    if one and (runs not in (None, 1) or precision is not None):
        raise click.UsageError("--nominal, --trace and --replication run one replication; "
                               "drop --runs/--precision")
    if one or (runs or (None if precision or resume else loaded.monte_carlo.runs)) == 1:
        _run_one(loaded, seed, replication or 0, nominal=nominal, trace=trace, check=check)
        return
    if executor is None:
        executor = "dask" if scheduler else "processes"
    try:
        _run_many(loaded, scenario, overrides, runs=runs, precision=precision, max_runs=max_runs,
                  seed=seed, design=design, executor=executor, workers=workers,
                  scheduler=scheduler, batch_size=batch_size, out=out, resume=resume,
                  overwrite=overwrite, keep_series=keep_series, check=check)
    except KeyboardInterrupt:
        raise CapexsimError("interrupted; finish the run with --resume --out DIR") from None


def _run_one(loaded: Any, seed: int | None, replication: int, *, nominal: bool, trace: bool,
             check: bool) -> None:
    """One replication's KPIs and targets (and its event log with ``trace``)."""
    from sim.api import replicate
    from sim.errors import CapexsimError
    from sim.report.text import format_replication

    runs = loaded.monte_carlo.runs
    if not nominal and replication >= runs:
        raise CapexsimError(f"--replication {replication}: the scenario's run has {runs:,} "
                            f"replications (0..{runs - 1}); raise monte_carlo.runs with --set "
                            "to reach it")
    root = loaded.monte_carlo.seed if seed is None else seed
    result = replicate(loaded, replication, seed=root, nominal=nominal, trace=trace, check=check)
    if trace and result.trace is not None:
        for event in result.trace:
            click.echo(event.render(loaded.clock.start))
        click.echo("")
    click.echo(format_replication(loaded, result, seed=root))


def _default_out(scenario: str) -> Path:
    """``runs/<scenario stem>-<YYYYmmdd-HHMMSS>``, with a suffix if that exists."""
    import datetime as dt

    base = Path("runs") / f"{Path(scenario).stem}-{dt.datetime.now():%Y%m%d-%H%M%S}"
    path, k = base, 1
    while path.exists():
        k += 1
        path = base.with_name(f"{base.name}-{k}")
    return path


def _run_many(loaded: Any, scenario: str, overrides: tuple[str, ...], *, out: str | None,
              **options: Any) -> None:
    """A Monte Carlo run into a run directory; seed, directory and summary to stdout. Exit
    status 3 when a precision run stopped at --max-runs before reaching its precision."""
    from sim.errors import CapexsimError
    from sim.runner.driver import execute
    from sim.runner.options import RunOptions
    from sim.runner.progress import progress_wanted
    from sim.runner.report import format_summary

    if options["resume"] and not out:
        raise CapexsimError("--resume needs --out DIR, the run directory to finish")
    directory = Path(out) if out else _default_out(scenario)
    opts = RunOptions(out=directory, **options)
    if not opts.resume:
        seed = loaded.monte_carlo.seed if opts.seed is None else opts.seed
        click.echo(f"seed {seed}; run directory {directory}")
    stream = sys.stderr if progress_wanted(sys.stderr) else None
    result = execute(loaded, opts, progress=stream,
                     note=lambda text: click.echo(f"note: {text}", err=True))
    if opts.resume:
        click.echo(f"seed {result.seed}; run directory {directory} (resumed)")
    click.echo(format_summary(result.summary, overrides=overrides))
    precision = result.summary.get("precision")
    if precision and not precision.get("reached"):
        sys.exit(3)


@main.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@set_option
@click.option("--examples", type=click.IntRange(min=1), default=50, show_default=True,
              help="Variations to try (each runs the model several times).")
@user_errors
def check(scenario: str, overrides: tuple[str, ...], examples: int) -> None:
    """Check the model's invariants on generated variations of a scenario.

    Every uncertain input is varied over its whole distribution, with random seeds; each
    variation runs with the per-event checks (money conserved, installed <= delivered <=
    ordered, power within capacity, effective <= peak FLOP/s, served <= demand) and is
    compared with modified runs under common random numbers (same seed twice, money scaled,
    budget in CNY, more budget, lower prices, a stricter rule). A failure is shrunk to the
    simplest variation that still fails. Exit status 1 if any invariant breaks.

    \b
    Example:
      capexsim check scenarios/bytedance_2026.yaml --examples 20
      capexsim check my_scenario.yaml --set clock.horizon_months=12
    """
    from sim.loading import load_scenario
    from sim.testing.check import check_scenario

    loaded = load_scenario(scenario, overrides)
    report = check_scenario(loaded, examples=examples)
    if report.ok:
        click.echo(f"ok: {report.examples} variations of {scenario}, every invariant holds")
        return
    for violation in report.violations:
        click.echo(f"violated: {violation}")
    click.echo(f"smallest failing variation: seed {report.seed}, inputs:")
    for name, value in report.inputs.items():
        click.echo(f"  {name} = {value:.6g}")
    sys.exit(1)


@main.command()
@click.argument("run_dir", type=click.Path(file_okay=False))
@user_errors
def verify(run_dir: str) -> None:
    """Check a run directory without running: every file its journal records has its size and
    SHA-256, every journal line is readable. Exit 0 when clean; 1 with one line per damage
    (`run --resume --out RUN_DIR` redoes the damaged batches).

    \b
    Example:
      capexsim verify runs/big
    """
    from sim.store.verify import verify_run

    verdict = verify_run(Path(run_dir))
    for line in verdict.damage:
        click.echo(f"damaged: {run_dir}: {line}")
    for line in verdict.notes:
        click.echo(f"note: {run_dir}: {line}")
    if not verdict.ok:
        sys.exit(1)
    click.echo(f"ok: {run_dir}: {verdict.state}")


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
@click.option("--scenario", type=click.Path(dir_okay=False), default=None,
              help="Apply this scenario's rules instead: its rule sets minus its disabled "
              "rules, plus its own rules (with --set overrides).")
@set_option
@user_errors
def chips(date: str | None, destination: str, rule_sets: tuple[str, ...],
          scenario: str | None, overrides: tuple[str, ...]) -> None:
    """List the built-in accelerators with TPP, performance density and H100-equivalents, and
    whether each is allowed, licensed or denied at a date and destination, and by which rule.

    \b
    Example:
      capexsim chips --date 2026-02 --destination domestic
      capexsim chips --date 2026-07 --destination overseas_owned
      capexsim chips --date 2026-07 --scenario scenarios/export_shock.yaml
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
    if overrides and not scenario:
        raise click.UsageError("--set needs --scenario FILE (it overrides a scenario's field)")
    if scenario and rule_sets:
        raise click.UsageError("give --rule-set or --scenario, not both")
    chosen: list[Any] | None = list(rule_sets) or None
    if scenario:
        from sim.loading import load_scenario
        from sim.model.space import active_rules
        from sim.schema.rules import RuleSet

        loaded = load_scenario(scenario, overrides)
        chosen = [RuleSet(id="scenario", title=loaded.name, rules=active_rules(loaded))]
    rows = chip_table_rows(when, destination, rule_sets=chosen)
    click.echo(format_chip_table(rows))


if __name__ == "__main__":  # pragma: no cover
    main()
