"""Malformed scenario files: every one is refused with exactly the expected one-line errors.

Each file under ``tests/malformed/`` makes one mistake a strategist might make. Most extend the
reference scenario and change one thing, so the error is isolated; a few stand alone. The table
below is the exact list of lines ``capexsim validate`` prints for each (after ``error: ``), with
the file named as on the command line, run from the repository root. Inputs that should not be
committed (over 1 MiB, not UTF-8, a NUL, deep nesting, a 5000-digit number) are generated into a
temporary directory, with their lines in :data:`GENERATED`.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from sim.distributions import Normal
from sim.errors import ScenarioError
from sim.loading import load_scenario
from sim.schema.policy import FixedMix
from sim.yamlio import MAX_FILE_BYTES, parse_yaml_text

ROOT = Path(__file__).resolve().parent.parent
MALFORMED = ROOT / "tests" / "malformed"
REFERENCE = ROOT / "scenarios" / "bytedance_2026.yaml"
M = "tests/malformed/"
"""How the files are named on the command line (relative to the repository root)."""
REF = "scenarios/bytedance_2026.yaml"
"""How the reference scenario is named when an error lies in it (``extends`` is normalised)."""
LINE = re.compile(r"^[^:]+(:\d+(:\d+)?)?: ")

CASES: list[tuple[str, list[str]]] = [
    ("absurd_failure_rate.yaml", [
        M + "absurd_failure_rate.yaml:5:26: chips.H200.annual_failure_rate: must be >= 0 and <= "
            "1, got 5.0",
    ]),
    ("absurd_horizon.yaml", [
        M + "absurd_horizon.yaml:4:19: clock.horizon_months: input should be less than or equal "
            "to 240, got 1200",
    ]),
    ("bool_for_integer.yaml", [
        M + "bool_for_integer.yaml:4:9: monte_carlo.runs: expected a whole number, got true",
    ]),
    ("bool_for_number.yaml", [
        M + "bool_for_number.yaml:5:16: chips.H20.price_usd: expected a number or a "
            "distribution mapping such as {dist: uniform, low: 1, high: 2}, got true",
    ]),
    ("budget_split_sum.yaml", [
        M + "budget_split_sum.yaml:9:15: budget.tranches.2.split: shares must sum to 1, they "
            "sum to 1.1",
    ]),
    ("cny_without_rate.yaml", [
        REF + ":27:17: budget.tranches.0.currency: amounts in CNY need currency.cny_per_usd "
            "(yuan per dollar)",
        REF + ":47:17: budget.tranches.2.currency: amounts in CNY need currency.cny_per_usd "
            "(yuan per dollar)",
        REF + ":56:17: budget.tranches.3.currency: amounts in CNY need currency.cny_per_usd "
            "(yuan per dollar)",
    ]),
    ("comments_only.yaml", [
        M + "comments_only.yaml: the file is empty; a scenario is a YAML mapping",
    ]),
    ("correlation_not_positive_definite.yaml", [
        M + "correlation_not_positive_definite.yaml:4:3: correlations: the correlations do not "
            "form a valid correlation matrix (smallest eigenvalue -0.8 <= 0); weaken some of "
            "them",
    ]),
    ("correlation_unknown_field.yaml", [
        M + "correlation_unknown_field.yaml:4:41: correlations.0.between.1: "
            "'budget.tranches.4.amount' is not an uncertain input; did you mean "
            "'budget.tranches.3.amount'?",
    ]),
    ("custom_chip_missing_spec.yaml", [
        M + "custom_chip_missing_spec.yaml:5:5: chips.Kunlun-P800: 'Kunlun-P800' is not a "
            "built-in chip; known: A100, A800, H100, H800, H20, H200, B200, Ascend-910B, "
            "Ascend-910C, Ascend-950PR, Ascend-950DT, MLU370-X8, MLU590 (a custom chip needs "
            "spec fields: hbm_bandwidth_gb_s, interconnect_gb_s, tdp_w)",
    ]),
    ("date_unquoted_for_month.yaml", [
        M + "date_unquoted_for_month.yaml:4:10: clock.start: '2026-01-15' is not a month; write "
            "it as 'YYYY-MM', e.g. '2026-03'",
    ]),
    ("dist_choice_weights_sum.yaml", [
        M + "dist_choice_weights_sum.yaml:5:75: chips.B200.supply_per_quarter.weights: weights "
            "must sum to 1 (within 1e-9), but they sum to 1.1",
    ]),
    ("dist_low_above_high.yaml", [
        M + "dist_low_above_high.yaml:5:37: chips.H20.price_usd.low: low=12000.0 must be less "
            "than high=10000.0",
    ]),
    ("dist_normal_on_positive_field.yaml", [
        M + "dist_normal_on_positive_field.yaml:5:20: inference.model.active_params: a normal "
            "distribution can take values below 0 (this field must be > 0); use a distribution "
            "that stays strictly above 0 (lognormal or loguniform, say), or truncate it to a "
            "range that does",
    ]),
    ("dist_normal_sd_zero.yaml", [
        M + "dist_normal_sd_zero.yaml:5:52: inference.model.bytes_per_param.sd: sd=0.0 must be > 0",
    ]),
    ("dist_one_percentile.yaml", [
        M + "dist_one_percentile.yaml:5:25: chips.B200.supply_per_quarter: a lognormal "
            "distribution needs exactly two percentiles, got only p95=10000.0; add another, "
            "e.g. {dist: lognormal, p5: ..., p95: 10000.0}",
    ]),
    ("dist_triangular_mode_outside.yaml", [
        M + "dist_triangular_mode_outside.yaml:5:56: chips.H20.lead_time_months.mode: mode=8.0 "
            "must lie within [low=2.0, high=6.0]",
    ]),
    ("dist_unknown_kind.yaml", [
        M + "dist_unknown_kind.yaml:5:23: chips.H20.price_usd.dist: unknown distribution "
            "dist='unifrom'; did you mean 'uniform'? (valid: fixed, uniform, loguniform, "
            "normal, lognormal, triangular, pert, beta, choice, empirical)",
    ]),
    ("duplicate_site_names.yaml", [
        M + "duplicate_site_names.yaml:6:12: sites.1.name: duplicate site name 'domestic_west'",
    ]),
    ("empty.yaml", [
        M + "empty.yaml: the file is empty; a scenario is a YAML mapping",
    ]),
    ("extends_cycle_a.yaml", [
        M + "extends_cycle_b.yaml:2:10: extends: extends cycle: extends_cycle_a.yaml -> "
            "extends_cycle_b.yaml -> extends_cycle_a.yaml",
    ]),
    ("extends_cycle_b.yaml", [
        M + "extends_cycle_a.yaml:2:10: extends: extends cycle: extends_cycle_b.yaml -> "
            "extends_cycle_a.yaml -> extends_cycle_b.yaml",
    ]),
    ("extends_missing_file.yaml", [
        M + "extends_missing_file.yaml:2:10: extends: no such file: "
            "../../scenario/bytedance_2026.yaml",
    ]),
    ("extends_name_too_long.yaml", [
        M + "extends_name_too_long.yaml:2:10: extends: not a usable file path: File name too long",
    ]),
    ("extends_not_string.yaml", [
        M + "extends_not_string.yaml:2:10: extends: must be the path of another scenario file "
            "(a string)",
    ]),
    ("extends_null_byte.yaml", [
        M + "extends_null_byte.yaml:2:10: extends: not a usable file path: embedded null byte",
    ]),
    ("fleet_unknown_site.yaml", [
        M + "fleet_unknown_site.yaml:4:23: fleet.0.site: site 'domestic_wset' is not listed "
            "under 'sites'; did you mean 'domestic_west'?",
    ]),
    ("inf_value.yaml", [
        M + "inf_value.yaml:5:25: chips.Ascend-910C.supply_per_quarter: expected a finite "
            "number, got inf",
    ]),
    ("key_with_line_break.yaml", [
        M + "key_with_line_break.yaml:4:3: monte_carlo.'runs\\n': unknown field 'runs\\n'; did "
            "you mean 'runs'?",
    ]),
    ("lease_unlisted_chip.yaml", [
        M + "lease_unlisted_chip.yaml:6:11: leases.0.chip: chip 'GB200' is not listed under "
            "'chips'; did you mean 'B200'?",
    ]),
    ("min_chips_above_max.yaml", [
        M + "min_chips_above_max.yaml:5:7: training.runs.0: min_chips=32768 must not exceed "
            "max_chips=8192",
    ]),
    ("month_13.yaml", [
        M + "month_13.yaml:4:10: clock.start: '2026-13' has month 13; months run from 01 to 12",
    ]),
    ("month_slash.yaml", [
        M + "month_slash.yaml:4:10: clock.start: '2026/01' is not a month; write it as "
            "'YYYY-MM', e.g. '2026-03'",
    ]),
    ("nan_value.yaml", [
        M + "nan_value.yaml:5:16: chips.H20.price_usd: expected a finite number, got nan",
    ]),
    ("negative_value.yaml", [
        M + "negative_value.yaml:5:16: chips.H20.price_usd: must be > 0, got -11000.0",
    ]),
    ("no_for_bool.yaml", [
        M + "no_for_bool.yaml:10:22: training.runs.0.domestic_only: input should be a valid "
            "boolean, got 'no'",
    ]),
    ("predicate_import.yaml", [
        M + "predicate_import.yaml:10:14: export_controls.rules.0.chips: invalid chip predicate "
            '"__import__(\'os\').system(\'true\')": "__import__(\'os\').system(\'true\')" is '
            "not allowed (function call); valid names: name, vendor, vendor_country, "
            "bf16_tflops, fp8_tflops, int8_tops, fp4_tflops, hbm_gb, hbm_bandwidth_gb_s, "
            "interconnect_gb_s, tdp_w, die_area_mm2, tpp, density, h100_equivalents",
    ]),
    ("predicate_unknown_attribute.yaml", [
        M + "predicate_unknown_attribute.yaml:10:14: export_controls.rules.0.chips: invalid "
            "chip predicate 'tflops >= 1000': unknown name 'tflops' (did you mean "
            "'fp8_tflops'?); valid names: name, vendor, vendor_country, bf16_tflops, "
            "fp8_tflops, int8_tops, fp4_tflops, hbm_gb, hbm_bandwidth_gb_s, interconnect_gb_s, "
            "tdp_w, die_area_mm2, tpp, density, h100_equivalents",
    ]),
    ("second_document.yaml", [
        M + "second_document.yaml:4:1: invalid YAML: a scenario file holds one YAML document, "
            "but a second one starts here",
    ]),
    ("standalone_missing_fields.yaml", [
        M + "standalone_missing_fields.yaml:2:1: <root>: missing required fields: chips, "
            "export_controls, sites, training, inference, allocation, procurement",
    ]),
    ("string_for_integer.yaml", [
        M + "string_for_integer.yaml:4:19: clock.horizon_months: expected a whole number, got '24'",
    ]),
    ("string_for_number.yaml", [
        M + "string_for_number.yaml:5:16: chips.H20.price_usd: expected a number or a "
            "distribution mapping such as {dist: uniform, low: 1, high: 2}, got '12k'",
    ]),
    ("target_both_bounds.yaml", [
        M + "target_both_bounds.yaml:4:5: targets.0: give exactly one of 'at_least' or 'at_most'",
    ]),
    ("target_unknown_kpi.yaml", [
        M + "target_unknown_kpi.yaml:5:10: targets.0.kpi: unknown KPI 'largest_run_flops'; did "
            "you mean 'largest_run_flop'?",
    ]),
    ("top_level_list.yaml", [
        M + "top_level_list.yaml:2:1: a scenario is a YAML mapping of fields, not a list",
    ]),
    ("training_flop_and_parameters.yaml", [
        M + "training_flop_and_parameters.yaml:5:7: training.runs.0: give either 'flop', or "
            "both 'parameters' and 'tokens'",
    ]),
    ("unknown_chip.yaml", [
        M + "unknown_chip.yaml:5:5: chips.H2O: 'H2O' is not a built-in chip; did you mean "
            "'H20'? (a custom chip needs spec fields: vendor, vendor_country, bf16_tflops, "
            "hbm_gb, hbm_bandwidth_gb_s, interconnect_gb_s, tdp_w)",
    ]),
    ("unknown_field_typo.yaml", [
        M + "unknown_field_typo.yaml:5:5: chips.H20.lead_time_month: unknown field "
            "'lead_time_month'; did you mean 'lead_time_months'?",
    ]),
    ("rule_set_listed_twice.yaml", [
        M + "rule_set_listed_twice.yaml:4:39: export_controls.rule_sets.2: rule set "
            "'us_2022_10' is listed twice",
    ]),
    ("unknown_rule_set.yaml", [
        M + "unknown_rule_set.yaml:4:27: export_controls.rule_sets.1: unknown rule set "
            "'us_2023_1'; did you mean 'us_2023_11'?",
    ]),
    ("unknown_section_typo.yaml", [
        M + "unknown_section_typo.yaml:3:1: procurment: unknown field 'procurment'; did you "
            "mean 'procurement'?",
    ]),
    ("yaml_alias_undefined.yaml", [
        M + "yaml_alias_undefined.yaml:5:19: invalid YAML: alias '*mfu' is not allowed; write "
            "the value out",
    ]),
    ("yaml_anchor_and_alias.yaml", [
        M + "yaml_anchor_and_alias.yaml:5:19: invalid YAML: anchor '&mfu' is not allowed; write "
            "the value out",
    ]),
    ("yaml_bad_indentation.yaml", [
        M + "yaml_bad_indentation.yaml:5:4: invalid YAML: while parsing a block mapping: "
            "expected <block end>, but found '<block mapping start>'",
    ]),
    ("yaml_custom_tag.yaml", [
        M + "yaml_custom_tag.yaml:3:8: invalid YAML: tag '!include' is not allowed in a "
            "scenario file",
    ]),
    ("yaml_duplicate_key.yaml", [
        M + "yaml_duplicate_key.yaml:5:1: name: duplicate key 'name' (first defined at line 3)",
    ]),
    ("yaml_duplicate_key_nested.yaml", [
        M + "yaml_duplicate_key_nested.yaml:7:5: chips.H20.price_usd: duplicate key 'price_usd' "
            "(first defined at line 5)",
    ]),
    ("yaml_merge_key_alias.yaml", [
        M + "yaml_merge_key_alias.yaml:4:10: invalid YAML: anchor '&served' is not allowed; "
            "write the value out",
    ]),
    ("yaml_merge_key_inline.yaml", [
        M + "yaml_merge_key_inline.yaml:4:3: monte_carlo.<<: YAML merge keys (<<) are not "
            "supported; write the values out",
    ]),
    ("yaml_python_object_tag.yaml", [
        M + "yaml_python_object_tag.yaml:3:14: invalid YAML: tag "
            "'!!python/object/apply:os.system' is not allowed in a scenario file",
    ]),
    ("yaml_tab_indentation.yaml", [
        M + "yaml_tab_indentation.yaml:4:1: invalid YAML: a tab character; indent with spaces",
    ]),
    ("yaml_unclosed_bracket.yaml", [
        M + "yaml_unclosed_bracket.yaml:5:10: invalid YAML: while parsing a flow sequence: "
            "expected ',' or ']', but got ':'",
    ]),
    ("yaml_unclosed_quote.yaml", [
        M + "yaml_unclosed_quote.yaml:5:1: invalid YAML: while scanning a quoted scalar: found "
            "unexpected end of stream",
    ]),
    ("yes_for_bool.yaml", [
        M + "yes_for_bool.yaml:4:15: budget.carry_over: input should be a valid boolean, got 'yes'",
    ]),
]
"""``(file, exact error lines)`` for every file under ``tests/malformed/``."""

CLI_SUBSET = (
    "yaml_unclosed_bracket.yaml",
    "yaml_python_object_tag.yaml",
    "yaml_duplicate_key_nested.yaml",
    "empty.yaml",
    "top_level_list.yaml",
    "nan_value.yaml",
    "unknown_field_typo.yaml",
    "dist_unknown_kind.yaml",
    "dist_normal_on_positive_field.yaml",
    "cny_without_rate.yaml",
    "predicate_import.yaml",
    "correlation_not_positive_definite.yaml",
    "extends_cycle_a.yaml",
)


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from the repository root, so that files are named as a user there would name them."""
    monkeypatch.chdir(ROOT)


def api_lines(path: str | Path) -> list[str]:
    """The error lines :func:`load_scenario` raises for ``path`` (fails if it loads)."""
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return info.value.lines()


def cli(*args: str) -> tuple[int, str, str]:
    """``capexsim validate ARGS`` through CliRunner: exit code, stdout, stderr."""
    result = CliRunner().invoke(main, ["validate", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout, result.stderr


def by_name(name: str) -> list[str]:
    return dict(CASES)[name]


# -- the table -------------------------------------------------------------------------------


def test_the_table_covers_every_file() -> None:
    files = {p.name for p in MALFORMED.glob("*.yaml")}
    listed = [name for name, _ in CASES]
    assert len(listed) == len(set(listed))
    assert files == set(listed)
    assert set(CLI_SUBSET) <= set(listed)
    assert len(files) >= 35


@pytest.mark.parametrize(("name", "expected"), CASES, ids=[name for name, _ in CASES])
def test_malformed_file_errors(name: str, expected: list[str]) -> None:
    lines = api_lines(M + name)
    assert lines == expected
    for line in lines:
        assert line.splitlines() == [line]
        assert LINE.match(line), line


@pytest.mark.parametrize(
    "given", ["./tests/malformed/nan_value.yaml", str(MALFORMED / "nan_value.yaml")]
)
def test_errors_name_the_file_as_given(given: str) -> None:
    (line,) = api_lines(given)
    assert line == given + by_name("nan_value.yaml")[0].removeprefix(M + "nan_value.yaml")


@pytest.mark.parametrize("name", CLI_SUBSET)
def test_malformed_file_through_cli(name: str) -> None:
    code, out, err = cli(M + name)
    assert code == 1
    assert out == ""
    expected = by_name(name)
    assert err.splitlines() == [f"error: {line}" for line in expected] + [
        "1 of 1 file(s) failed validation"
    ]


def test_cli_reports_each_file_and_counts_failures() -> None:
    names = ("nan_value.yaml", "empty.yaml")
    code, out, err = cli(M + names[0], REF, M + names[1])
    assert code == 1
    (ok,) = out.splitlines()
    summary = rf"ok: {re.escape(REF)} \('ByteDance 2026 reference', \d+ uncertain inputs\)"
    assert re.fullmatch(summary, ok), ok
    expected = [f"error: {line}" for name in names for line in by_name(name)]
    assert err.splitlines() == [*expected, "2 of 3 file(s) failed validation"]


@pytest.mark.slow
def test_real_entry_point_on_a_malformed_file() -> None:
    exe = Path(sys.executable).with_name("capexsim")
    if not exe.exists():
        pytest.skip(f"{exe} is not installed (pip install -e .)")
    name = "cny_without_rate.yaml"
    proc = subprocess.run(
        [str(exe), "validate", M + name], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "NO_COLOR": "1"}, check=False,
    )
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert lines == [f"error: {line}" for line in by_name(name)] + [
        "1 of 1 file(s) failed validation"
    ]
    assert len(lines) == 3 + 1  # one line per problem, then the summary


# -- generated files -------------------------------------------------------------------------


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working directory, so generated files are named by their bare names."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _head(name: str) -> bytes:
    return f"extends: {REFERENCE}\nname: {name}\n".encode()


GENERATED: list[tuple[str, bytes, str]] = [
    (
        "big.yaml",
        _head("padded") + b"#" * (MAX_FILE_BYTES + 1 - len(_head("padded"))),
        f"big.yaml: file is {MAX_FILE_BYTES + 1:,} bytes; scenario files are limited to "
        f"{MAX_FILE_BYTES:,} bytes (1 MiB)",
    ),
    (  # a description typed in a Latin-1 editor: "Café" with é as the single byte 0xE9
        "latin1.yaml",
        _head("latin1") + b"description: Caf\xe9\n",
        f"latin1.yaml:3:17: not UTF-8 text (byte {len(_head('latin1')) + 16}: b'\\xe9'); "
        "save the file as UTF-8",
    ),
    (  # a NUL pasted into a value: valid UTF-8, but not a character YAML allows
        "ctrl.yaml",
        _head("ctrl") + b"description: Byte\x00Dance\n",
        "ctrl.yaml:3:18: invalid YAML: control character U+0000 is not allowed",
    ),
    (  # 1000 levels: a few KB, far under 1 MiB, and far over Python's recursion limit
        "deep.yaml",
        _head("deep") + b"chips: " + b"[" * 1000 + b"]" * 1000 + b"\n",
        "deep.yaml:3:71: invalid YAML: nesting deeper than 64 levels",
    ),
    (  # over Python's 4300-digit limit for int()
        "bigint.yaml",
        _head("bigint") + b"monte_carlo:\n  runs: 1" + b"0" * 5000 + b"\n",
        "bigint.yaml:4:9: invalid YAML: an integer of 5,001 digits is too large",
    ),
]
"""``(file, content, exact error line)`` for inputs written into a temporary directory."""


@pytest.mark.parametrize(("name", "content", "expected"), GENERATED, ids=[g[0] for g in GENERATED])
def test_generated_file(name: str, content: bytes, expected: str, scratch: Path) -> None:
    (scratch / name).write_bytes(content)
    assert api_lines(name) == [expected]
    code, out, err = cli(name)
    assert (code, out) == (1, "")
    assert err.splitlines() == [f"error: {expected}", "1 of 1 file(s) failed validation"]


def test_file_of_exactly_1_mib_is_read(scratch: Path) -> None:
    head = _head("edge")
    (scratch / "edge.yaml").write_bytes(head + b"#" * (MAX_FILE_BYTES - len(head)))
    assert load_scenario("edge.yaml").name == "edge"


# -- regressions -----------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "value"), [
    ("dist_low_above_high.yaml", "12000.0"),
    ("dist_normal_sd_zero.yaml", "0.0"),
    ("dist_triangular_mode_outside.yaml", "8.0"),
    ("dist_unknown_kind.yaml", "'unifrom'"),
])
def test_message_names_the_value_once(name: str, value: str) -> None:
    """diagnose used to append ', got <value>' to messages that already quote the value."""
    (line,) = api_lines(M + name)
    assert line.count(value) == 1, line


def test_child_distribution_of_another_family_replaces_the_base_one(scratch: Path) -> None:
    """A mapping naming another variant replaces the base's instead of merging into it, which
    used to leave the base's ``low``/``high`` beside the child's ``mean``/``sd``."""
    (scratch / "child.yaml").write_text(
        f"extends: {REFERENCE}\nchips:\n  H20:\n"
        "    price_usd: {dist: normal, mean: 11000, sd: 1000, truncate: [5000, null]}\n"
    )
    price = load_scenario("child.yaml").chips["H20"].price_usd
    assert isinstance(price, Normal)
    assert (price.mean, price.sd, price.truncate) == (11000.0, 1000.0, (5000.0, None))


def test_child_policy_of_another_kind_replaces_the_base_one(scratch: Path) -> None:
    (scratch / "child.yaml").write_text(
        f"extends: {REFERENCE}\nprocurement:\n  policy: fixed_mix\n"
        "  refund_on_cancel_fraction: 0.8\n  mix: {H20: 0.5, Ascend-910C: 0.5}\n"
    )
    procurement = load_scenario("child.yaml").procurement
    assert isinstance(procurement, FixedMix)
    assert procurement.mix == {"H20": 0.5, "Ascend-910C": 0.5}


# -- valid spellings -------------------------------------------------------------------------


VALID = [
    ("monte_carlo: {runs: 1e3}", ("monte_carlo", "runs"), 1000),
    ("monte_carlo: {runs: 1.0e+3}", ("monte_carlo", "runs"), 1000),
    ("monte_carlo: {seed: 0}", ("monte_carlo", "seed"), 0),
    ("chips: {H20: {price_usd: 1.1e4}}", ("chips", "H20", "price_usd"), 11000.0),
    ("chips: {H20: {price_usd: 11_000}}", ("chips", "H20", "price_usd"), 11000.0),
    ("chips: {H20: {price_usd: 1.1E+4}}", ("chips", "H20", "price_usd"), 11000.0),
    ("clock: {start: 2026-01}", ("clock", "start"), "2026-01"),
    ("chips: {Ascend-950PR: {available_from: 2026-03-15}}",
     ("chips", "Ascend-950PR", "available_from"), "2026-03-15"),
    ("budget: {carry_over: false}", ("budget", "carry_over"), False),
    ("name: no", ("name",), "no"),
    ("name: 'yes'", ("name",), "yes"),
    ("description: 2026-01-15", ("description",), "2026-01-15"),
]


@pytest.mark.parametrize(("body", "path", "value"), VALID, ids=[v[0] for v in VALID])
def test_valid_spellings_load(body: str, path: tuple[str, ...], value: object,
                              scratch: Path) -> None:
    (scratch / "ok.yaml").write_text(f"extends: {REFERENCE}\n{body}\n")
    node: object = load_scenario("ok.yaml")
    for step in path:
        node = node[step] if isinstance(node, dict) else getattr(node, step)
    assert node == value
    assert type(node) is type(value)


def test_exponent_spellings_are_the_same_float() -> None:
    doc = parse_yaml_text("a: 1e9\nb: 1.0e+9\nc: 1E9\nd: 1_000_000_000.0\ne: 0.001e12\n", "s")
    assert doc.data == dict.fromkeys("abcde", 1e9)
    assert all(type(v) is float for v in doc.data.values())
