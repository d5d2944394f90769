"""Case-insensitive "contains" for list searches, in any alphabet, on SQLite and PostgreSQL.

SQLite's own lower() folds only ASCII letters, so "азамат" would not find "Азамат". On SQLite
every connection gets a deterministic Python casefold function instead; PostgreSQL's lower()
folds Unicode by the database's locale (C.UTF-8, en_US.UTF-8, ...; not the bare "C" locale).
The column and the search text go through the same function, so both sides fold alike.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

SQLITE_FOLD = "alumni_casefold"
ESCAPE = "\\"


class fold(FunctionElement):  # noqa: N801 - reads as an SQL function
    """The case-folded form of a string expression."""

    type = sa.String()
    name = "fold"
    inherit_cache = True


@compiles(fold)
def _fold_with_lower(element, compiler, **kw) -> str:
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(fold, "sqlite")
def _fold_on_sqlite(element, compiler, **kw) -> str:
    return f"{SQLITE_FOLD}({compiler.process(element.clauses, **kw)})"


def _casefold(value):
    return value.casefold() if isinstance(value, str) else value


def _add_sqlite_functions(dbapi_connection, _record) -> None:
    dbapi_connection.create_function(SQLITE_FOLD, 1, _casefold, deterministic=True)


def register(engine: sa.Engine) -> None:
    """Give every new SQLite connection of `engine` the fold function."""
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _add_sqlite_functions)


def escape_like(text: str) -> str:
    """`text` with LIKE's wildcards (% and _) and the escape character taken literally."""
    return (text.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%")
            .replace("_", ESCAPE + "_"))


def contains_ci(column, text: str) -> sa.ColumnElement[bool]:
    """`column` contains `text`, ignoring case in any alphabet; wildcards in `text` are literal."""
    pattern = sa.literal(f"%{escape_like(text)}%", sa.String())
    return fold(column).like(fold(pattern), escape=ESCAPE)
