"""The collaborative store: every partner's contribution packages, kept with their provenance.

One database holds what the partners of a data collaborative sent: an SQLite file by default, or
a PostgreSQL server that several organisations share, through one SQLAlchemy code path. Its
schema is built and kept current by the Alembic migrations under `migrations/`.

A package goes in whole or not at all: `read_package` checks it first, then one transaction
writes its manifest, figures, withheld cells and quality assessment. The same zip twice is one
package. A partner (its name, in any case, in one country) has one current package: a newer one
(by the manifest's `created`) replaces it and the old one is kept, marked superseded; an older
one arriving late is kept as superseded at once. Two imports at the same time both finish, or
one finds the other already did its work: SQLite takes the write lock when a transaction starts
(BEGIN IMMEDIATE, waiting while another holds it), and on PostgreSQL the unique SHA-256 and the
one current row per partner turn a lost race into a retry that sees the winner's rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from os import PathLike
from pathlib import Path

import pandas as pd
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, insert, select, text, update
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, NoSuchModuleError, OperationalError, SQLAlchemyError

from ..columnar import file_sha256
from ..config import Suppression
from ..errors import InputError, LnobError
from ..heat_format import check_heat_table, spreadsheet_rows
from . import store_schema as schema
from .aggregates import SHARED_COLUMNS, WITHHELD_COLUMNS
from .manifest import SOURCE_TYPE_LABELS, parse_manifest
from .package import FILE_NAMES, Package, read_package
from .sdmx_csv import ATTRIBUTES, BOUNDS, DIMENSIONS, MEASURE, coded_observations

MIGRATIONS = Path(__file__).with_name("migrations")
BACKENDS = ("sqlite", "postgresql")
BUSY_SECONDS = 60          # how long an SQLite import waits for another one to finish
CONNECT_SECONDS = 10       # how long to wait for a PostgreSQL server to answer
ATTEMPTS = 5               # imports that lost a race on PostgreSQL look again this often
MIGRATION_LOCK = 160_016   # PostgreSQL advisory lock taken while the schema is migrated
RETRY_STATES = ("40001", "40P01")  # serialization failure, deadlock: PostgreSQL asks to try again
ADDED, UPDATED, SUPERSEDED, UNCHANGED = "added", "updated", "superseded", "unchanged"
CURRENT_LABEL, SUPERSEDED_LABEL = "current", "superseded"
# the order read_package's SDMX observations come in: dimensions, value, bounds, other attributes
OBSERVATION_COLUMNS = (*DIMENSIONS, MEASURE, *BOUNDS, *(a for a in ATTRIBUTES if a not in BOUNDS))
LISTING_COLUMNS = ("Partner", "Country", "Source type", "Period", "Figures", "Withheld cells", "Licence",
                   "Made on", "Imported on", "Status")


class NoStore(LnobError):
    """Nothing has made a store at this address yet (`lnob collab init`, or the first package added)."""


@dataclass(frozen=True)
class AddOutcome:
    """What importing one package did: `status` is added (the partner's first), updated (it replaced
    the partner's current package, which is kept), superseded (kept, but the partner has a newer
    one) or unchanged (already in the store); `sentence` says so for people."""

    status: str
    sentence: str
    sha256: str


@dataclass(frozen=True)
class ListedPackage:
    """One package in the store, as people read about it."""

    partner: str
    country: str
    source_type: str           # its label
    period: str
    figures: int
    withheld: int
    licence: str
    created: datetime          # UTC
    imported: datetime         # UTC
    status: str                # current or superseded
    sha256: str


@dataclass(frozen=True)
class PackageListing:
    """Every package in the store, partner by partner, newest first."""

    packages: tuple[ListedPackage, ...]

    def to_frame(self) -> pd.DataFrame:
        """One row per package with readable columns (labels, dates in UTC), no database ids."""
        rows = [(p.partner, p.country, p.source_type, p.period, p.figures, p.withheld, p.licence,
                 _shown_time(p.created), _shown_time(p.imported), p.status) for p in self.packages]
        return pd.DataFrame(rows, columns=list(LISTING_COLUMNS))


class CollabStore:
    """An open collaborative store. Make one with `create` (new or existing) or `open` (existing)."""

    def __init__(self, engine: Engine, shown: str, secret: str, schema_note: str):
        self._engine = engine
        self.shown = shown                  # the address with any password hidden
        self._secret = secret
        self.schema_note = schema_note      # one sentence: created, migrated or up to date

    @classmethod
    def create(cls, url: str) -> CollabStore:
        """The store at `url`, made (with its folder, for SQLite) and migrated to the newest schema;
        an existing store is left as it is, or migrated."""
        address, shown = _address(url)
        if address.get_backend_name() == "sqlite":
            folder = Path(address.database).parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise LnobError(f"{folder}: could not make the store's folder ({err.strerror}).") from None
        engine = _engine(address, shown)
        secret = address.password or ""
        with _speaking(shown, secret):
            _connect(engine, shown, secret)
            note = _migrate(engine, shown)
        return cls(engine, shown, secret, note)

    @classmethod
    def open(cls, url: str) -> CollabStore:
        """The existing store at `url`, migrated if an older workbook made it; refused, in one
        sentence, where there is none."""
        address, shown = _address(url)
        missing = (f"{shown}: no collaborative store here; create it with `lnob collab init FOLDER` "
                   "(with --db for a database server).")
        if address.get_backend_name() == "sqlite" and not Path(address.database).is_file():
            raise NoStore(missing)
        engine = _engine(address, shown)
        secret = address.password or ""
        with _speaking(shown, secret):
            _connect(engine, shown, secret)
            with engine.begin() as conn:
                revision = MigrationContext.configure(conn).get_current_revision()
            if revision is None:
                engine.dispose()
                raise NoStore(missing)
            note = _migrate(engine, shown)
        return cls(engine, shown, secret, note)

    def close(self) -> None:
        """Let go of the database connections."""
        self._engine.dispose()

    def __enter__(self) -> CollabStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- import -----------------------------------------------------------------------------

    def add(self, path: str | PathLike, suppression: Suppression | None = None) -> AddOutcome:
        """Import one package in one transaction; a package `read_package` refuses raises its
        InputError and nothing is written. `suppression` is the small-cell rule to hold it to."""
        given = Path(path)
        if given.is_file():  # the same zip again is known by its hash, without reading it twice
            with _speaking(self.shown, self._secret), self._engine.begin() as conn:
                known = _already(conn, given.name, file_sha256(given))
            if known is not None:
                return known
        package = read_package(given, suppression)
        figures = _figure_values(package.aggregates, f"{package.path.name}/{FILE_NAMES['heat_plus']}")
        withheld = package.withheld[list(WITHHELD_COLUMNS)].astype("str")
        for _ in range(ATTEMPTS):
            try:
                with self._engine.begin() as conn:
                    return _import(conn, package, figures, withheld)
            except (IntegrityError, _Raced):
                continue  # another import committed this package or this partner first: look again
            except OperationalError as err:
                if getattr(err.orig, "sqlstate", None) in RETRY_STATES:
                    continue
                raise LnobError(_sentence(self.shown, err, self._secret)) from None
            except SQLAlchemyError as err:
                raise LnobError(_sentence(self.shown, err, self._secret)) from None
        raise LnobError(f"{self.shown}: {package.path.name} was not imported because other imports kept changing "
                        "the same partner's packages; nothing was written, try again.")

    # --- reading ----------------------------------------------------------------------------

    def listing(self) -> PackageListing:
        """Every package, current and superseded, partner by partner and newest first."""
        p, partners, cur = schema.packages, schema.partners, schema.current_packages
        query = (select(p, cur.c.package_id.label("current_id"))
                 .join(partners, partners.c.id == p.c.partner_id)
                 .outerjoin(cur, cur.c.package_id == p.c.id)
                 .order_by(partners.c.name_key, partners.c.country_iso3, p.c.created.desc(), p.c.id.desc()))
        with _speaking(self.shown, self._secret), self._engine.begin() as conn:
            rows = conn.execute(query).all()
        return PackageListing(tuple(ListedPackage(
            partner=row.partner_name, country=f"{row.country_name} ({row.country_iso3})",
            source_type=SOURCE_TYPE_LABELS[row.source_type], period=_period(row.period_start, row.period_end),
            figures=row.figures, withheld=row.withheld, licence=row.licence,
            created=row.created.replace(tzinfo=timezone.utc), imported=row.imported_at.replace(tzinfo=timezone.utc),
            status=CURRENT_LABEL if row.current_id is not None else SUPERSEDED_LABEL, sha256=row.sha256)
            for row in rows))

    def current(self) -> list[Package]:
        """Each partner's current package, rebuilt from the database exactly as `read_package`
        read it (figures, their types, SDMX observations, withheld cells, manifest); its `path` is
        the zip's file name as imported. Partners come in order of name."""
        p, partners, cur = schema.packages, schema.partners, schema.current_packages
        query = (select(p).join(cur, cur.c.package_id == p.c.id).join(partners, partners.c.id == p.c.partner_id)
                 .order_by(partners.c.name_key, partners.c.country_iso3))
        with _speaking(self.shown, self._secret), self._engine.begin() as conn:
            return [self._rebuilt(conn, row) for row in conn.execute(query).all()]

    def _rebuilt(self, conn: Connection, row) -> Package:
        where = f"{self.shown}: package {row.file_name}"
        manifest = parse_manifest(row.manifest.encode("utf-8"), where)
        f = schema.figures
        found = conn.execute(select(*(f.c[c] for c in SHARED_COLUMNS)).where(f.c.package_id == row.id)
                             .order_by(f.c.line)).all()
        aggregates = check_heat_table(pd.DataFrame([tuple(r) for r in found], columns=list(SHARED_COLUMNS)),
                                      source=where)
        w = schema.withheld_cells
        cells = conn.execute(select(*(w.c[c] for c in WITHHELD_COLUMNS)).where(w.c.package_id == row.id)
                             .order_by(w.c.line)).all()
        withheld = pd.DataFrame([tuple(r) for r in cells], columns=list(WITHHELD_COLUMNS)).astype("str")
        return Package(path=Path(row.file_name), sha256=row.sha256, manifest=manifest, aggregates=aggregates,
                       observations=coded_observations(aggregates)[list(OBSERVATION_COLUMNS)], withheld=withheld)


class _Raced(Exception):
    """Another import replaced the partner's current package after this one read it."""


def _import(conn: Connection, package: Package, figures: pd.DataFrame, withheld: pd.DataFrame) -> AddOutcome:
    """Write `package` on `conn`'s transaction and say what it did."""
    p, cur = schema.packages, schema.current_packages
    name = package.path.name
    known = _already(conn, name, package.sha256)
    if known is not None:
        return known
    m = package.manifest
    partner_id = _partner(conn, m.partner.name, m.country.iso3)
    created = _utc(m.created)
    package_id = conn.execute(insert(p).values(
        partner_id=partner_id, sha256=package.sha256, file_name=name, package_format=m.package_format,
        partner_name=m.partner.name, contact=m.partner.contact, source_type=m.source_type, method=m.method,
        coverage=m.coverage, period_start=m.period.start, period_end=m.period.end, licence=m.licence,
        country_iso3=m.country.iso3, country_name=m.country.name, min_n=m.suppression.min_n,
        caution_n=m.suppression.caution_n, workbook_version=m.workbook_version, created=created,
        imported_at=_utc(datetime.now(timezone.utc)), figures=len(figures), withheld=len(withheld),
        manifest=m.to_json().decode("utf-8"))).inserted_primary_key[0]
    now = conn.execute(select(cur.c.package_id, p.c.created).join(p, p.c.id == cur.c.package_id)
                       .where(cur.c.partner_id == partner_id)).first()
    if now is None:
        conn.execute(insert(cur).values(partner_id=partner_id, package_id=package_id))
        status = ADDED
    elif created >= now.created:
        moved = conn.execute(update(cur).where(cur.c.partner_id == partner_id, cur.c.package_id == now.package_id)
                             .values(package_id=package_id)).rowcount
        if moved != 1:
            raise _Raced()
        status = UPDATED
    else:
        status = SUPERSEDED
    _insert_rows(conn, schema.figures, package_id, figures)
    _insert_rows(conn, schema.withheld_cells, package_id, withheld)
    if m.quality is not None:
        conn.execute(insert(schema.quality), [
            {"package_id": package_id, "criterion": criterion, "level": a.level, "note": a.note}
            for criterion, a in m.quality])
    what = (f"{name}: {len(figures):,} figures and {len(withheld):,} withheld cells from {m.partner.name} "
            f"({SOURCE_TYPE_LABELS[m.source_type].lower()}, {_period(m.period.start, m.period.end)}, "
            f"made {_shown_time(created)})")
    if status == ADDED:
        sentence = f"{what} added; the partner's current package."
    elif status == UPDATED:
        sentence = f"{what} added; it supersedes the package made {_shown_time(now.created)}, which is kept."
    else:
        sentence = (f"{what} added and kept as superseded: the partner's current package was made later "
                    f"({_shown_time(now.created)}).")
    return AddOutcome(status, sentence, package.sha256)


def _already(conn: Connection, name: str, sha256: str) -> AddOutcome | None:
    """The outcome "unchanged" when the store holds the zip with this SHA-256, else None."""
    p = schema.packages
    before = conn.execute(select(p.c.imported_at).where(p.c.sha256 == sha256)).first()
    if before is None:
        return None
    return AddOutcome(UNCHANGED, f"{name}: already in the store (imported {_shown_time(before.imported_at)}); "
                                 "nothing changed.", sha256)


def _partner(conn: Connection, name: str, iso3: str) -> int:
    """The partner's id, made on its first package (a race to make it ends in IntegrityError)."""
    t = schema.partners
    key = " ".join(name.split()).casefold()
    found = conn.execute(select(t.c.id).where(t.c.name_key == key, t.c.country_iso3 == iso3)).scalar()
    if found is not None:
        return found
    return conn.execute(insert(t).values(name=name, name_key=key, country_iso3=iso3)).inserted_primary_key[0]


def _insert_rows(conn: Connection, table, package_id: int, frame: pd.DataFrame) -> None:
    if frame.empty:
        return
    rows = frame.assign(package_id=package_id, line=range(len(frame))).to_dict("records")
    conn.execute(insert(table), rows)


def _figure_values(aggregates: pd.DataFrame, where: str) -> pd.DataFrame:
    """The shared figures as the store keeps them (whole numbers, real numbers, text, None for
    empty), or InputError where a value does not fit its column."""
    values, problems = {}, []
    for column in SHARED_COLUMNS:
        given = aggregates[column]
        if column in schema.TEXT_FIGURE_COLUMNS:
            values[column] = given.astype("str").astype(object).where(given.notna(), None)
            continue
        numbers = pd.to_numeric(given, errors="coerce")
        whole = column in schema.WHOLE_FIGURE_COLUMNS
        bad = given.notna() & (numbers.isna() | ((numbers % 1 != 0) if whole else False))
        if bad.any():
            problems.append(f"{where}: {spreadsheet_rows(bad)}, column {column}: not a "
                            f"{'whole ' if whole else ''}number; the store keeps {column} as "
                            f"{'whole numbers' if whole else 'numbers'}.")
            continue
        kept = numbers.astype("Int64" if whole else "float64").astype(object)
        values[column] = kept.where(given.notna(), None)
    if problems:
        raise InputError(problems)
    return pd.DataFrame(values)


# --- the database --------------------------------------------------------------------------

def _address(url: str) -> tuple[URL, str]:
    """The parsed address and how to show it (password hidden), or one sentence on what is wrong."""
    try:
        address = make_url(url)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        raise LnobError(f"'{_scrubbed(url)}': not a database address; expected sqlite:///path/to/store.sqlite "
                        "or postgresql://user@host:port/database.") from None
    shown = address.render_as_string(hide_password=True)
    backend = address.get_backend_name()
    if backend not in BACKENDS:
        raise LnobError(f"{shown}: the collaborative store runs on SQLite or PostgreSQL, not {backend}.")
    if address.drivername == "postgresql":
        address = address.set(drivername="postgresql+psycopg")  # the driver the workbook installs
    if backend == "sqlite" and address.database in (None, "", ":memory:"):
        raise LnobError(f"{shown}: an SQLite store is a file; give its path, as in "
                        "sqlite:///collaborative/store.sqlite.")
    return address, shown


def _scrubbed(url: str) -> str:
    """`url` with anything between user: and @ hidden, for an address too broken to parse."""
    return re.sub(r"(://[^/@:]*:)[^@]*@", r"\1***@", url)


def _engine(address: URL, shown: str) -> Engine:
    try:
        if address.get_backend_name() == "sqlite":
            engine = create_engine(address, connect_args={"timeout": BUSY_SECONDS})
            event.listen(engine, "connect", _sqlite_connect)
            event.listen(engine, "begin", _sqlite_begin)
            return engine
        return create_engine(address, connect_args={"connect_timeout": CONNECT_SECONDS})
    except (NoSuchModuleError, ImportError) as err:
        raise LnobError(f"{shown}: the database driver is not installed ({err}); use sqlite:/// or "
                        "postgresql+psycopg://.") from None


def _sqlite_connect(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # transactions begin as _sqlite_begin says, DDL included
    dbapi_connection.execute("PRAGMA foreign_keys = ON")


def _sqlite_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")  # take the write lock now, waiting up to BUSY_SECONDS for it


def _connect(engine: Engine, shown: str, secret: str) -> None:
    """Refuse, in one sentence, a database that cannot be reached or opened."""
    try:
        with engine.connect():
            pass
    except SQLAlchemyError as err:
        engine.dispose()
        what = ("could not connect to the PostgreSQL server" if engine.dialect.name == "postgresql"
                else "could not open the SQLite file")
        raise LnobError(f"{shown}: {what} ({_reason(err, secret)}).") from None


def _alembic(conn: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    return config


def _migrate(engine: Engine, shown: str) -> str:
    """Bring the schema to the newest revision; one sentence on what was done."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        config = _alembic(conn)
        script = ScriptDirectory.from_config(config)
        head = script.get_current_head()
        before = MigrationContext.configure(conn).get_current_revision()
        if before == head:
            return f"{shown}: the collaborative store is up to date (schema {head})."
        if before is not None and before not in {s.revision for s in script.walk_revisions()}:
            raise LnobError(f"{shown}: the collaborative store has schema {before}, which a newer version of the "
                            "workbook made; update the workbook to use it.")
        command.upgrade(config, "head")
    if before is None:
        return f"{shown}: collaborative store created (schema {head})."
    return f"{shown}: collaborative store migrated from schema {before} to {head}."


@contextmanager
def _speaking(shown: str, secret: str) -> Iterator[None]:
    """Database errors as one sentence naming the store, without SQL or password."""
    try:
        yield
    except SQLAlchemyError as err:
        raise LnobError(_sentence(shown, err, secret)) from None


def _sentence(shown: str, err: SQLAlchemyError, secret: str) -> str:
    return f"{shown}: the database reported a problem ({_reason(err, secret)})."


def _reason(err: SQLAlchemyError, secret: str) -> str:
    """The driver's first line, which names the fault but not the statement."""
    lines = str(getattr(err, "orig", None) or err).strip().splitlines()
    reason = lines[0].strip() if lines else type(err).__name__
    return reason.replace(secret, "***") if secret else reason


# --- small helpers -------------------------------------------------------------------------

def _utc(moment: datetime) -> datetime:
    """A naive UTC time, the one way both databases keep it (a time without zone is taken as UTC)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.replace(microsecond=0)


def _shown_time(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC"


def _period(start: int, end: int) -> str:
    return str(start) if start == end else f"{start}-{end}"
