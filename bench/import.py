"""Time to import 100,000 spreadsheet rows with `flask import-alumni` (target: <= 60 s).

Writes a CSV of N generated rows (Latin and Cyrillic names, e-mails, birth years, a course
code per row) to a temporary folder, prepares a fresh SQLite database (migrated and seeded with
the demo data), then runs the operator command twice, as an office would:

    flask import-alumni FILE --office TJ            (the dry run: reads, checks, writes nothing)
    flask import-alumni FILE --office TJ --commit   (the import, one transaction)
    flask import-alumni FILE --office TJ --commit   (again: must change nothing)

and prints the wall time and the peak memory (max RSS) of each run. With DATABASE_URL naming a
PostgreSQL server it does the same on a throwaway database there (created, then dropped).

    .venv/bin/python bench/import.py [--rows 100000]
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/postgres .venv/bin/python bench/import.py

It prints figures; it is not a test.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))
import throughput  # noqa: E402 - the sibling benchmark's throwaway PostgreSQL database

ROOT = Path(__file__).resolve().parent.parent
FLASK = [str(ROOT / ".venv" / "bin" / "flask"), "--app", "alumni_app"]
TARGET_SECONDS = 60
GIVEN = [("Dilnoza", "Дилноза"), ("Farrukh", "Фаррух"), ("Aigul", "Айгуль"), ("Rustam", "Рустам"),
         ("Malika", "Малика"), ("Nurlan", "Нурлан"), ("Zarina", "Зарина"), ("Timur", "Тимур")]
FAMILY = [("Gulomshoeva", "Гуломшоева"), ("Jalolov", "Джалолов"), ("Karimova", "Каримова"),
          ("Nazarov", "Назаров"), ("Sharipova", "Шарипова"), ("Asanov", "Асанов"),
          ("Bekova", "Бекова"), ("Saidov", "Саидов")]
COURSES = ["J1804321", "J1904011", "J1714520", "J2004102", "J1604210"]


def write_csv(path: Path, rows: int, seed: int = 7) -> None:
    """Write `rows` people as an office keeps them (Russian headers, day.month.year dates)."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        out = csv.writer(handle, delimiter=";")
        out.writerow(["Фамилия", "Имя", "Фамилия (кириллица)", "Имя (кириллица)",
                      "Эл. почта", "Год рождения", "Организация", "Должность", "Код курса"])
        for n in range(rows):
            given, family = rng.choice(GIVEN), rng.choice(FAMILY)
            out.writerow([family[0], given[0], family[1], given[1], f"person{n}@example.org",
                          rng.randint(1960, 1998), "Ministry of Health", "Chief specialist",
                          rng.choice(COURSES)])


def _env(database_url: str) -> dict:
    return {**os.environ, "APP_ENV": "development", "SECRET_KEY": secrets.token_hex(16),
            "DATABASE_URL": database_url, "MAIL_BACKEND": "memory"}


def _flask(env: dict, *args: str) -> tuple[float, float, str]:
    """Run a flask command; return (seconds, peak MiB of the child, output)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    proc = subprocess.run([*FLASK, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=900)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if proc.returncode != 0:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return seconds, max(peak, before) / 1024, proc.stdout


def _summary(output: str) -> str:
    keep = ("created:", "updated:", "skipped", "with errors:", "participations added:")
    return ", ".join(line.strip() for line in output.splitlines() if line.startswith(keep))


def measure(label: str, database_url: str, csv_path: Path, rows: int) -> None:
    env = _env(database_url)
    _flask(env, "db", "upgrade")
    _flask(env, "seed-demo")
    print(f"== {label}")
    for title, extra in (("dry run", ()), ("import", ("--commit",)),
                         ("same file again", ("--commit",))):
        seconds, peak, output = _flask(env, "import-alumni", str(csv_path), "--office", "TJ",
                                       *extra)
        verdict = ""
        if title == "import":
            verdict = "OK" if seconds <= TARGET_SECONDS else "OVER TARGET"
            verdict = f" (target <= {TARGET_SECONDS} s) {verdict}"
        print(f"  {title:<16} {seconds:6.1f} s  {rows / seconds:8.0f} rows/s  "
              f"peak memory <= {peak:.0f} MiB{verdict}")
        print(f"  {'':<16} {_summary(output)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    print(f"import benchmark: {args.rows:,} rows, {os.cpu_count()} cpus, "
          f"python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory(prefix="alumni-import-bench-") as folder:
        csv_path = Path(folder) / "alumni.csv"
        started = time.perf_counter()
        write_csv(csv_path, args.rows)
        print(f"  wrote {csv_path.stat().st_size / 2**20:.1f} MiB CSV in "
              f"{time.perf_counter() - started:.1f} s")
        measure("sqlite", f"sqlite:///{Path(folder) / 'import.db'}", csv_path, args.rows)
        base = os.environ.get("DATABASE_URL", "")
        if base.startswith("postgresql"):
            with throughput.throwaway_postgres(base, prefix="bench_import") as url:
                measure(f"postgresql ({make_url(url).database})", url, csv_path, args.rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
