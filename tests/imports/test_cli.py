"""`flask import-alumni`: the operators' import from the command line."""

from __future__ import annotations

from tests.imports.helpers import (
    JUNK_ROWS,
    RU_HEADER,
    RU_ROWS,
    _bad_file,
    _cli,
    _corrupted_xlsx,
    counts,
    record_by_email,
    write_csv,
)


def test_cli_dry_run_prints_the_summary_and_writes_nothing(app, office, tmp_path):
    path = write_csv(tmp_path / "list.csv", [RU_HEADER, *RU_ROWS], encoding="cp1251")
    before = counts()
    result = _cli(app, path, "--office", "tj")
    assert result.exit_code == 0, result.output
    for line in ("created: 3", "updated: 0", "skipped (no changes): 0", "with errors: 0",
                 "probable duplicates: 0", "dry run: nothing was written"):
        assert line in result.output
    assert counts() == before


def test_cli_commit_imports_and_a_second_run_changes_nothing(app, office, tmp_path):
    path = write_csv(tmp_path / "list.csv", [RU_HEADER, *RU_ROWS])
    result = _cli(app, path, "--office", "TJ", "--commit")
    assert result.exit_code == 0 and "imported." in result.output
    assert counts()["alumni_records"] == 3
    again = _cli(app, path, "--office", "TJ", "--commit")
    assert "created: 0" in again.output and "updated: 0" in again.output
    assert counts()["alumni_records"] == 3


def test_cli_refuses_errors_unless_skipped_and_reports_them(app, office, tmp_path):
    path = _bad_file(tmp_path)
    refused = _cli(app, path, "--office", "TJ", "--commit")
    assert refused.exit_code == 1 and "row 5:" in refused.output
    assert "--skip-errors" in refused.output
    assert counts()["alumni_records"] == 0
    assert _cli(app, path, "--office", "TJ", "--commit", "--skip-errors").exit_code == 0
    assert counts()["alumni_records"] == 2


def test_cli_maps_columns_and_explains_bad_input(app, office, tmp_path):
    odd = write_csv(tmp_path / "odd.csv", [["Col1", "Col2"], ["Karimov Rustam", "r@ex.org"]])
    result = _cli(app, odd, "--office", "TJ", "--map", "col1=full_name", "--map", "B=email",
                  "--commit")
    assert result.exit_code == 0, result.output
    assert record_by_email("r@ex.org") is not None
    assert _cli(app, odd, "--office", "TJ", "--map", "Col9=email").exit_code == 2
    assert _cli(app, odd, "--office", "XX").exit_code == 2
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(_corrupted_xlsx(tmp_path))
    failed = _cli(app, broken, "--office", "TJ")
    assert failed.exit_code == 1 and "not a readable XLSX workbook" in failed.output


def test_cli_prints_progress(app, office, tmp_path):
    rows = [["Name", "Email"]] + [[f"P{i} Q", f"q{i}@ex.org"] for i in range(10_500)]
    result = _cli(app, write_csv(tmp_path / "big.csv", rows), "--office", "TJ")
    assert "10,000 rows read" in result.stderr
    assert "created: 10500" in result.stdout


def test_cli_lists_the_rows_skipped_as_not_people(app, office, tmp_path):
    path = write_csv(tmp_path / "list.csv", [["ФИО", "Год рождения", "Эл. почта", "Организация"],
                                             ["Karimov Rustam", "", "", ""], *JUNK_ROWS])
    result = _cli(app, path, "--office", "TJ", "--commit")
    assert result.exit_code == 0, result.output
    assert "skipped (totals, notes, separators): 9" in result.output
    assert "row 3: " in result.output and "created: 1" in result.output
