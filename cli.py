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
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
              show_default=True, help="Output: the report, summary.json's content, or CSV (one "
              "row per KPI and target).")
@user_errors
def run(scenario: str, overrides: tuple[str, ...], runs: int | None, precision: float | None,
        max_runs: int | None, seed: int | None, design: str | None, executor: str | None,
        workers: int | None, scheduler: str | None, batch_size: int | None, out: str | None,
        resume: bool, overwrite: bool, keep_series: bool | None, replication: int | None,
        nominal: bool, trace: bool, check: bool, fmt: str) -> None:
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
        _run_one(loaded, seed, replication or 0, nominal=nominal, trace=trace, check=check,
                 fmt=fmt)
        return
    if executor is None:
        executor = "dask" if scheduler else "processes"
    try:
        _run_many(loaded, scenario, overrides=overrides, runs=runs, precision=precision,
                  max_runs=max_runs, seed=seed, design=design, executor=executor, workers=workers,
                  scheduler=scheduler, batch_size=batch_size, out=out, resume=resume,
                  overwrite=overwrite, keep_series=keep_series, check=check, fmt=fmt)
    except KeyboardInterrupt:
        raise CapexsimError("interrupted; finish the run with --resume --out DIR") from None


def _run_one(loaded: Any, seed: int | None, replication: int, *, nominal: bool, trace: bool,
             check: bool, fmt: str = "table") -> None:
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
    if fmt != "table":
        from sim.analysis.output import render, replication_document, replication_frame

        doc = replication_document(loaded, result, root)
        click.echo(render(fmt, text="", document=doc, frame=replication_frame(doc)))
        return
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


def _run_many(loaded: Any, scenario: str, *, out: str | None, fmt: str = "table",
              overrides: tuple[str, ...] = (), calibration: bool = False,
              **options: Any) -> None:
    """A Monte Carlo run into a run directory; seed, directory and summary (or, with
    ``calibration``, the observations against the model) to stdout; then the report. Exit
    status 3 when a precision run stopped at --max-runs before reaching its precision."""
    from sim.errors import CapexsimError
    from sim.runner.driver import execute
    from sim.runner.options import RunOptions
    from sim.runner.progress import progress_wanted
    from sim.runner.report import format_summary

    if options["resume"] and not out:
        raise CapexsimError("--resume needs --out DIR, the run directory to finish")
    directory = Path(out) if out else _default_out(scenario)
    opts = RunOptions(out=directory, scenario_file=scenario, overrides=tuple(overrides),
                      **options)
    if not opts.resume:
        seed = loaded.monte_carlo.seed if opts.seed is None else opts.seed
        click.echo(f"seed {seed}; run directory {directory}", err=fmt != "table")
    stream = sys.stderr if progress_wanted(sys.stderr) else None
    result = execute(loaded, opts, progress=stream,
                     note=lambda text: click.echo(f"note: {text}", err=True))
    if opts.resume:
        click.echo(f"seed {result.seed}; run directory {directory} (resumed)",
                   err=fmt != "table")
    if calibration:
        from sim.analysis.calibration import calibrate, calibration_frame, format_calibration
        from sim.analysis.output import render

        doc = calibrate(result)
        click.echo(render(fmt, text=format_calibration(doc), document=doc,
                          frame=calibration_frame(doc)))
    elif fmt != "table":
        from sim.analysis.output import render, summary_frame

        click.echo(render(fmt, text="", document=result.summary,
                          frame=summary_frame(result.summary)))
    else:
        click.echo(format_summary(result.summary, overrides=overrides))
    _write_report(directory, err=fmt != "table")
    precision = result.summary.get("precision")
    if precision and not precision.get("reached"):
        sys.exit(3)


def _write_report(directory: Path, *, refresh: bool = False, err: bool = False) -> Path:
    """Write the run directory's HTML report; print its notes and, last, its path (on
    standard error with ``err``, so that JSON or CSV output stays clean)."""
    from sim.report import write_report

    written = write_report(directory, refresh=refresh)
    for text in written.notes:
        click.echo(f"note: {text}", err=True)
    click.echo(f"report: {written.path}", err=err)
    return written.path


@main.command()
@click.argument("run_dir", type=click.Path(file_okay=False))
@click.option("--open", "open_it", is_flag=True, help="Open the report in a web browser.")
@click.option("--refresh", is_flag=True, help="Also re-simulate the typical replication and "
              "re-read the inputs' sources (trace.jsonl, inputs.json).")
@user_errors
def report(run_dir: str, open_it: bool, refresh: bool) -> None:
    """Write (again) the HTML report of a run directory, without re-running it: headline KPIs
    with their spread, fan charts over time, distributions with the targets, a typical
    replication's timeline, the uncertain inputs and provenance. Prints its path.

    \b
    Example:
      capexsim report runs/bytedance_2026-20260101-120000
      capexsim report runs/big --open
    """
    path = _write_report(Path(run_dir), refresh=refresh)
    if open_it:
        import webbrowser

        webbrowser.open(path.resolve().as_uri())


@main.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@set_option
@click.option("--runs", type=click.IntRange(min=2), default=None,
              help="Replications (default: the scenario's monte_carlo.runs).")
@click.option("--seed", type=click.IntRange(min=0, max=2**63 - 1), default=None,
              help="Root seed (default: the scenario's).")
@click.option("--executor", type=click.Choice(["serial", "processes", "dask"]),
              default="processes", show_default=True, help="Where replications run.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: the CPU count).")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Run directory (default: runs/<scenario>-<time>).")
@click.option("--resume", is_flag=True, help="Finish the killed run in --out.")
@click.option("--overwrite", is_flag=True, help="Replace an existing run directory.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
              show_default=True, help="Output: the table, calibration.json's content, or CSV.")
@user_errors
def calibrate(scenario: str, overrides: tuple[str, ...], runs: int | None, seed: int | None,
              executor: str, workers: int | None, out: str | None, resume: bool,
              overwrite: bool, fmt: str) -> None:
    """Run the replications and set the scenario's observations (dated public figures:
    tokens served, spend, chips) against the model: for each, the model's P5/P50/P95 at that
    date, the observation's percentile among the replications, and a verdict (inside the
    P5-P95 band, or the model too low / too high). calibration.json goes to the run directory.

    \b
    Example:
      capexsim calibrate scenarios/bytedance_2026.yaml --runs 500
    """
    from sim.errors import CapexsimError
    from sim.loading import load_scenario

    loaded = load_scenario(scenario, overrides)
    if not loaded.observations:
        raise CapexsimError(f"{scenario}: the scenario lists no observations to calibrate "
                            "against (add an 'observations:' section)")
    _run_many(loaded, scenario, runs=runs, precision=None, max_runs=None, seed=seed,
              design=None, executor=executor, workers=workers, scheduler=None,
              batch_size=None, out=out, resume=resume, overwrite=overwrite, keep_series=None,
              check=False, fmt=fmt, calibration=True)


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


# --- decisions (sim.analysis) --------------------------------------------------------------

format_option = click.option(
    "--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
    show_default=True, help="Output: an aligned table, the JSON document, or CSV of the main "
    "table.")


def _worker_options(func: F) -> F:
    options = [
        click.option("--executor", type=click.Choice(["serial", "processes", "dask"]),
                     default=None, help="Where replications run (default: processes; dask "
                     "with --scheduler)."),
        click.option("--workers", type=click.IntRange(min=1), default=None,
                     help="Worker processes (default: all local cores)."),
        click.option("--scheduler", default=None, metavar="tcp://HOST:PORT",
                     help="An existing Dask scheduler to run on."),
        click.option("--batch-size", type=click.IntRange(min=1), default=None,
                     help="Replications per task."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _workers(executor: str | None, workers: int | None, scheduler: str | None,
             batch_size: int | None) -> Any:
    from sim.analysis.running import Workers

    kind = executor or ("dask" if scheduler else "processes")
    return Workers(kind, workers, scheduler, batch_size, progress=True)


def _analysis_out(out: str | None, kind: str, stem: str) -> Path:
    return Path(out) if out else _default_out(f"{stem}-{kind}")


@main.command()
@click.argument("scenarios", nargs=-1, required=True, type=click.Path(dir_okay=False))
@set_option
@click.option("--set-for", "set_for", multiple=True, metavar="NAME:PATH=VALUE",
              help="Override a field in one scenario only (NAME is its label). Repeatable.")
@click.option("--label", "labels", multiple=True, metavar="NAME",
              help="Label of each scenario, in order (default: the file names).")
@click.option("--kpi", "kpis", multiple=True, metavar="NAME", help="KPIs to compare "
              "(repeatable; default: all).")
@click.option("--runs", type=click.IntRange(min=2), default=None,
              help="Replications of each scenario (default: the first scenario's).")
@click.option("--seed", type=click.IntRange(min=0, max=2**63 - 1), default=None,
              help="Root seed shared by all (default: the first scenario's).")
@click.option("--design", type=click.Choice(["mc", "lhs", "sobol"]), default=None,
              help="Design shared by all (default: the first scenario's).")
@_worker_options
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Directory for compare.json and the runs (default: runs/<first>-compare-"
              "<time>).")
@click.option("--resume", is_flag=True, help="Finish a killed comparison in --out.")
@click.option("--overwrite", is_flag=True, help="Replace existing runs in --out.")
@format_option
@user_errors
def compare(scenarios: tuple[str, ...], overrides: tuple[str, ...], set_for: tuple[str, ...],
            labels: tuple[str, ...], kpis: tuple[str, ...], runs: int | None, seed: int | None,
            design: str | None, executor: str | None, workers: int | None,
            scheduler: str | None, batch_size: int | None, out: str | None, resume: bool,
            overwrite: bool, fmt: str) -> None:
    """Compare scenarios on common random numbers: per KPI each one's mean and percentiles,
    the paired difference from the first with its 95% interval (and the unpaired one it
    beats), P(better) by the KPI's preferred direction; per target the difference in
    probability; which scenario is best in how many replications. Writes compare.json and
    each scenario's run directory.

    \b
    Example:
      capexsim compare scenarios/bytedance_2026.yaml scenarios/export_shock.yaml --runs 256
      capexsim compare scenarios/bytedance_2026.yaml scenarios/bytedance_2026.yaml \\
          --label base --label raised --set-for raised:budget.tranches.0.amount=200e9
    """
    from sim.analysis.common import parse_set_for
    from sim.analysis.comparison import compare as run_compare
    from sim.analysis.output import render
    from sim.analysis.text import format_comparison
    from sim.errors import CapexsimError

    if resume and not out:
        raise CapexsimError("--resume needs --out DIR, the comparison to finish")
    directory = _analysis_out(out, "compare", Path(scenarios[0]).stem)
    result = run_compare(list(scenarios), labels=list(labels) or None,
                         overrides=list(overrides), overrides_for=parse_set_for(set_for),
                         kpis=list(kpis), runs=runs, seed=seed, design=design,
                         workers=_workers(executor, workers, scheduler, batch_size),
                         out=directory, resume=resume, overwrite=overwrite)
    if fmt == "table":
        click.echo(f"results in {directory}", err=True)
    click.echo(render(fmt, text=format_comparison(result), document=result.to_json(),
                      frame=result.kpis))
    _write_report(directory, err=fmt != "table")


def _read_groups(groups_file: str | None, group: tuple[str, ...]) -> dict[str, list[str]] | None:
    """Sobol' groups from ``--groups FILE`` (YAML: name -> list of path patterns) and
    ``--group NAME=PATTERN[,PATTERN...]``."""
    from sim.errors import CapexsimError

    out: dict[str, list[str]] = {}
    if groups_file:
        from sim.yamlio import read_yaml

        data = read_yaml(Path(groups_file), display=groups_file).data
        if not isinstance(data, dict) or not all(
                isinstance(v, list) and all(isinstance(p, str) for p in v) for v in data.values()):
            raise CapexsimError(f"--groups {groups_file}: expected a mapping of group name to "
                                "a list of input path patterns")
        out.update({str(k): list(v) for k, v in data.items()})
    for item in group:
        name, sep, patterns = item.partition("=")
        if not sep or not name.strip() or not patterns.strip():
            raise CapexsimError(f"--group {item}: expected NAME=PATTERN[,PATTERN...], e.g. "
                                "chips=chips.*")
        out[name.strip()] = [p.strip() for p in patterns.split(",") if p.strip()]
    return out or None


@main.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@set_option
@click.option("--kpi", "kpis", multiple=True, metavar="NAME",
              help="KPIs to explain (repeatable; default: all).")
@click.option("--method", "methods", multiple=True,
              type=click.Choice(["rank", "tornado", "sobol", "all"]), default=("rank",),
              show_default=True, help="Rank correlations, tornado, Sobol' indices, or all "
              "(repeatable).")
@click.option("--from", "from_run", type=click.Path(file_okay=False, exists=True),
              default=None, help="Rank correlations from this finished run directory instead "
              "of a fresh run.")
@click.option("--runs", type=click.IntRange(min=2), default=None,
              help="Replications of the rank method's run (default: the scenario's).")
@click.option("--seed", type=click.IntRange(min=0, max=2**63 - 1), default=None,
              help="Root seed (default: the scenario's).")
@click.option("--design", type=click.Choice(["mc", "lhs", "sobol"]), default=None,
              help="Design of the rank method's run (default: the scenario's).")
@click.option("--tornado-runs", type=click.IntRange(min=1), default=1, show_default=True,
              help="Event-stream replications averaged per tornado case.")
@click.option("--sobol-n", type=click.IntRange(min=2), default=256, show_default=True,
              help="Sobol' base rows, a power of 2 (model runs: N x (groups + 3)).")
@click.option("--groups", "groups_file", type=click.Path(dir_okay=False, exists=True),
              default=None, help="YAML file: Sobol' group name -> list of input path "
              "patterns (default groups: the scenario's sections).")
@click.option("--group", "group", multiple=True, metavar="NAME=PATTERN[,PATTERN]",
              help="A Sobol' group of inputs by path pattern, e.g. prices=chips.*.price_usd.")
@click.option("--no-events-group", is_flag=True,
              help="Leave the event streams out of the Sobol' groups.")
@click.option("--bootstrap", type=click.IntRange(min=0), default=999, show_default=True,
              help="Bootstrap resamples for the Sobol' intervals (0: none).")
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True,
              help="Inputs shown per KPI and method in the table.")
@click.option("--by-section", is_flag=True, help="Show the tornado by scenario section.")
@_worker_options
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Directory for sensitivity.json (default: runs/<scenario>-sensitivity-"
              "<time>).")
@click.option("--overwrite", is_flag=True, help="Replace an existing --out.")
@format_option
@user_errors
def sensitivity(scenario: str, overrides: tuple[str, ...], kpis: tuple[str, ...],
                methods: tuple[str, ...], from_run: str | None, runs: int | None,
                seed: int | None, design: str | None, tornado_runs: int, sobol_n: int,
                groups_file: str | None, group: tuple[str, ...], no_events_group: bool,
                bootstrap: int, top: int, by_section: bool, executor: str | None,
                workers: int | None, scheduler: str | None, batch_size: int | None,
                out: str | None, overwrite: bool, fmt: str) -> None:
    """What drives each KPI: Spearman and partial rank correlations of every uncertain input
    (from a fresh run or --from a run directory), a tornado (each input at P10 and P90, the
    others at their medians, same event streams), and first-order and total Sobol' indices by
    input group with bootstrap intervals. Writes sensitivity.json.

    \b
    Example:
      capexsim sensitivity scenarios/bytedance_2026.yaml --kpi h100_equivalents_installed
      capexsim sensitivity scenarios/bytedance_2026.yaml --method all --runs 256 --sobol-n 64
      capexsim sensitivity scenarios/bytedance_2026.yaml --from runs/big --top 5
    """
    from sim.analysis.output import render
    from sim.analysis.sensitivities import METHODS
    from sim.analysis.sensitivities import sensitivity as run_sensitivity
    from sim.analysis.text import format_sensitivity

    chosen = list(METHODS) if "all" in methods else list(dict.fromkeys(methods))
    directory = _analysis_out(out, "sensitivity", Path(scenario).stem)
    result = run_sensitivity(
        scenario, overrides=list(overrides), kpis=list(kpis), methods=chosen, runs=runs,
        seed=seed, design=design, from_run=from_run, tornado_runs=tornado_runs,
        sobol_n=sobol_n, groups=_read_groups(groups_file, group), events=not no_events_group,
        resamples=bootstrap, workers=_workers(executor, workers, scheduler, batch_size),
        out=directory, overwrite=overwrite)
    if fmt == "table":
        click.echo(f"results in {directory}", err=True)
    click.echo(render(fmt, text=format_sensitivity(result, top=top, by_section=by_section),
                      document=result.to_json(), frame=result.main_frame()))
    _write_report(directory, err=fmt != "table")


@main.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@set_option
@click.option("--lever", "levers", multiple=True, required=True, metavar="PATH=LOW:HIGH:N",
              help="A field to move over LOW..HIGH (N grid values, default 5; rounded where "
              "the scenario's value is a whole number). Repeatable.")
@click.option("--grid", "method", flag_value="grid", default=True,
              help="Every combination of the levers' values (default).")
@click.option("--lhs", "method", flag_value="lhs", help="A Latin hypercube of --points.")
@click.option("--sobol", "method", flag_value="sobol", help="Scrambled Sobol' --points.")
@click.option("--points", type=click.IntRange(min=1), default=None,
              help="Points for --lhs/--sobol (default: the product of the levers' N).")
@click.option("--runs-per-point", type=click.IntRange(min=2), default=None,
              help="Replications per point, the same at every point (default: the "
              "scenario's runs).")
@click.option("--kpi", "kpis", multiple=True, metavar="NAME",
              help="KPIs to summarise (repeatable; default: all).")
@click.option("--seed", type=click.IntRange(min=0, max=2**63 - 1), default=None,
              help="Root seed (default: the scenario's).")
@click.option("--design", type=click.Choice(["mc", "lhs", "sobol"]), default=None,
              help="Design of each point's replications (default: the scenario's).")
@_worker_options
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Sweep directory (default: runs/<scenario>-sweep-<time>).")
@click.option("--resume", is_flag=True, help="Finish the killed sweep in --out.")
@click.option("--overwrite", is_flag=True, help="Replace an existing sweep in --out.")
@format_option
@user_errors
def sweep(scenario: str, overrides: tuple[str, ...], levers: tuple[str, ...], method: str,
          points: int | None, runs_per_point: int | None, kpis: tuple[str, ...],
          seed: int | None, design: str | None, executor: str | None, workers: int | None,
          scheduler: str | None, batch_size: int | None, out: str | None, resume: bool,
          overwrite: bool, fmt: str) -> None:
    """Sweep levers across the uncertainty: every point runs the same replications (common
    random numbers). Writes sweep.parquet (one row per point and replication), point
    summaries (sweep_summary.parquet/.json) and each point's run directory; resumable.

    \b
    Example:
      capexsim sweep scenarios/bytedance_2026.yaml --lever budget.tranches.0.amount=120e9:240e9:4
      capexsim sweep scenarios/bytedance_2026.yaml --lever allocation.training_share=0.2:0.6:3 \\
          --lever leases.malaysia_b200.accelerators=0:40000:3 --runs-per-point 128
      capexsim sweep scenarios/bytedance_2026.yaml --lever budget.tranches.0.amount=1e11:3e11 \\
          --lhs --points 16 --out runs/sw --resume
    """
    from sim.analysis.levers import parse_lever
    from sim.analysis.output import render
    from sim.analysis.sweeps import sweep as run_sweep
    from sim.analysis.text import format_sweep
    from sim.errors import CapexsimError

    if resume and not out:
        raise CapexsimError("--resume needs --out DIR, the sweep to finish")
    directory = _analysis_out(out, "sweep", Path(scenario).stem)
    parsed = [parse_lever(text) for text in levers]
    result = run_sweep(scenario, parsed, method=method, points=points, overrides=list(overrides),
                       kpis=list(kpis), runs_per_point=runs_per_point, seed=seed,
                       design=design, workers=_workers(executor, workers, scheduler, batch_size),
                       out=directory, resume=resume, overwrite=overwrite)
    if fmt == "table":
        click.echo(f"results in {directory}", err=True)
    click.echo(render(fmt, text=format_sweep(result), document=result.to_json(),
                      frame=result.summary))
    _write_report(directory, err=fmt != "table")


def _parse_range(text: str | None) -> tuple[float, float] | None:
    from sim.errors import CapexsimError

    if text is None:
        return None
    low, sep, high = text.partition(":")
    try:
        if not sep:
            raise ValueError
        return float(low), float(high)
    except ValueError:
        raise CapexsimError(f"--range {text}: expected LOW:HIGH, e.g. 100e9:400e9") from None


@main.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@set_option
@click.option("--target", required=True, metavar="NAME", help="A target of the scenario, by "
              "name.")
@click.option("--probability", type=float, default=0.9, show_default=True,
              help="The probability the target must be met with.")
@click.option("--lever", required=True, metavar="PATH", help="The field to solve for, e.g. "
              "budget.tranches.0.amount.")
@click.option("--range", "value_range", default=None, metavar="LOW:HIGH",
              help="Where to search (default: a quarter to four times the scenario's value).")
@click.option("--tolerance", type=float, default=1e-3, show_default=True,
              help="Stop when the bracket is this fraction of the range.")
@click.option("--scan", type=click.IntRange(min=2), default=5, show_default=True,
              help="Evenly spaced values tried first (monotonicity check, bracket).")
@click.option("--runs", type=click.IntRange(min=2), default=None,
              help="Replications per lever value (default: the scenario's).")
@click.option("--seed", type=click.IntRange(min=0, max=2**63 - 1), default=None,
              help="Root seed (default: the scenario's).")
@click.option("--design", type=click.Choice(["mc", "lhs", "sobol"]), default=None,
              help="Design (default: the scenario's).")
@_worker_options
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Directory for solve.json (default: runs/<scenario>-solve-<time>).")
@click.option("--overwrite", is_flag=True, help="Replace an existing solve.json in --out.")
@format_option
@user_errors
def solve(scenario: str, overrides: tuple[str, ...], target: str, probability: float,
          lever: str, value_range: str | None, tolerance: float, scan: int, runs: int | None,
          seed: int | None, design: str | None, executor: str | None, workers: int | None,
          scheduler: str | None, batch_size: int | None, out: str | None, overwrite: bool,
          fmt: str) -> None:
    """The smallest (or largest) lever value at which a target is met with a probability:
    bisection on common-random-number estimates, with an interval from the binomial error of
    the probability at the bracketing values. Refuses (exit 1) when the target cannot be met
    in the range or is not monotone in the lever. Writes solve.json.

    \b
    Example:
      capexsim solve scenarios/bytedance_2026.yaml --target 'A 1e26 FLOP run done by 2027-12' \\
          --probability 0.9 --lever budget.tranches.0.amount --range 100e9:400e9 --runs 256
    """
    from sim.analysis.output import render
    from sim.analysis.solver import solve as run_solve

    directory = _analysis_out(out, "solve", Path(scenario).stem)
    result = run_solve(scenario, target=target, probability=probability, lever=lever,
                       value_range=_parse_range(value_range), overrides=list(overrides),
                       runs=runs, seed=seed, design=design, tolerance=tolerance, scan=scan,
                       workers=_workers(executor, workers, scheduler, batch_size),
                       out=directory, overwrite=overwrite)
    if fmt == "table":
        click.echo(f"results in {directory}", err=True)
    click.echo(render(fmt, text=result.line(), document=result.to_json(),
                      frame=result.evaluations))


if __name__ == "__main__":  # pragma: no cover
    main()
