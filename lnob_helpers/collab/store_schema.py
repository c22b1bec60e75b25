"""The tables of the collaborative store, declared once for SQLite and PostgreSQL alike.

A partner is one organisation in one country. Each package it sends is kept whole: its manifest
(as sent, and its fields in columns people can query), every shared figure with each HEAT Plus
column typed, the withheld cells and the quality assessment. Which package of a partner is
current is one row of `current_packages`, so two imports racing to replace it meet on its
primary key rather than both winning. Alembic's migrations (`migrations/versions`) build exactly
these tables; a test compares them so the two cannot drift apart.
"""

from __future__ import annotations

from sqlalchemy import (Column, DateTime, Double, ForeignKey, Integer, MetaData, String, Table, Text,
                        UniqueConstraint)

from ..heat_format import INTEGER_COLUMNS, NUMERIC_COLUMNS
from .aggregates import SHARED_COLUMNS, WITHHELD_COLUMNS

# Constraint names spelt out, so a migration can name what it alters on every database.
metadata = MetaData(naming_convention={
    "pk": "pk_%(table_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ix": "ix_%(table_name)s_%(column_0_name)s",
})

# how each shared column is kept: whole numbers, real numbers or text
WHOLE_FIGURE_COLUMNS = (*INTEGER_COLUMNS, "date", "n")
REAL_FIGURE_COLUMNS = (*(c for c in NUMERIC_COLUMNS if c not in INTEGER_COLUMNS), "share")
TEXT_FIGURE_COLUMNS = tuple(c for c in SHARED_COLUMNS if c not in (*WHOLE_FIGURE_COLUMNS, *REAL_FIGURE_COLUMNS))


def _figure_column(name: str) -> Column:
    kind = Integer() if name in WHOLE_FIGURE_COLUMNS else Double() if name in REAL_FIGURE_COLUMNS else Text()
    return Column(name, kind, nullable=True)


partners = Table(
    "partners", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),                  # as its first package spelt it
    Column("name_key", String(200), nullable=False),              # casefolded, for matching
    Column("country_iso3", String(3), nullable=False),
    UniqueConstraint("name_key", "country_iso3", name="uq_partners_name_key_country"),
)

packages = Table(
    "packages", metadata,
    Column("id", Integer, primary_key=True),
    Column("partner_id", ForeignKey("partners.id"), nullable=False, index=True),
    Column("sha256", String(64), nullable=False, unique=True),   # of the zip: the same package twice is one
    Column("file_name", String(255), nullable=False),
    Column("package_format", String(50), nullable=False),
    Column("partner_name", String(200), nullable=False),
    Column("contact", String(500), nullable=False),
    Column("source_type", String(30), nullable=False),
    Column("method", Text, nullable=False),
    Column("coverage", Text, nullable=False),
    Column("period_start", Integer, nullable=False),
    Column("period_end", Integer, nullable=False),
    Column("licence", String(500), nullable=False),
    Column("country_iso3", String(3), nullable=False),
    Column("country_name", String(200), nullable=False),
    Column("min_n", Integer, nullable=False),
    Column("caution_n", Integer, nullable=False),
    Column("workbook_version", String(50), nullable=False),
    Column("created", DateTime, nullable=False),                  # manifest `created`, UTC
    Column("imported_at", DateTime, nullable=False),              # UTC
    Column("figures", Integer, nullable=False),
    Column("withheld", Integer, nullable=False),
    Column("manifest", Text, nullable=False),                     # manifest.json as the workbook writes it
)

current_packages = Table(
    "current_packages", metadata,
    Column("partner_id", ForeignKey("partners.id"), primary_key=True),
    Column("package_id", ForeignKey("packages.id"), nullable=False, unique=True),
)

figures = Table(
    "figures", metadata,
    Column("package_id", ForeignKey("packages.id", ondelete="CASCADE"), primary_key=True),
    Column("line", Integer, primary_key=True, autoincrement=False),  # the row's place in the package's file
    *(_figure_column(name) for name in SHARED_COLUMNS),
)

withheld_cells = Table(
    "withheld_cells", metadata,
    Column("package_id", ForeignKey("packages.id", ondelete="CASCADE"), primary_key=True),
    Column("line", Integer, primary_key=True, autoincrement=False),
    *(Column(name, Text, nullable=False) for name in WITHHELD_COLUMNS),
)

quality = Table(
    "quality", metadata,
    Column("package_id", ForeignKey("packages.id", ondelete="CASCADE"), primary_key=True),
    Column("criterion", String(40), primary_key=True),
    Column("level", String(20), nullable=False),
    Column("note", Text, nullable=False),
)
