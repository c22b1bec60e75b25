"""The first schema: partners, their packages, the current package of each, figures, withheld cells, quality.

Revision ID: 0001
Revises: none
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# the HEAT Plus columns and the workbook's extras, each as the store keeps it
FIGURE_COLUMNS = (
    ("setting", sa.Text), ("date", sa.Integer), ("source", sa.Text), ("indicator_abbr", sa.Text),
    ("indicator_name", sa.Text), ("dimension", sa.Text), ("subgroup", sa.Text), ("estimate", sa.Double),
    ("se", sa.Double), ("ci_lb", sa.Double), ("ci_ub", sa.Double), ("population", sa.Double), ("note", sa.Text),
    ("setting_average", sa.Double), ("iso3", sa.Text), ("favourable_indicator", sa.Integer),
    ("indicator_scale", sa.Double), ("ordered_dimension", sa.Integer), ("subgroup_order", sa.Integer),
    ("reference_subgroup", sa.Integer), ("n", sa.Integer), ("flag", sa.Text), ("share", sa.Double),
    ("dimension_id", sa.Text), ("group_id", sa.Text), ("factors", sa.Text),
)
WITHHELD_COLUMNS = ("date", "indicator_abbr", "dimension", "subgroup", "dimension_id", "group_id", "reason")


def _belongs_to_package(table: str) -> list:
    return [sa.Column("package_id", sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(["package_id"], ["packages.id"], name=f"fk_{table}_package_id",
                                    ondelete="CASCADE")]


def upgrade() -> None:
    op.create_table(
        "partners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("name_key", sa.String(200), nullable=False),
        sa.Column("country_iso3", sa.String(3), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_partners"),
        sa.UniqueConstraint("name_key", "country_iso3", name="uq_partners_name_key_country"),
    )
    text_columns = (("file_name", 255), ("package_format", 50), ("partner_name", 200), ("contact", 500),
                    ("source_type", 30), ("method", None), ("coverage", None))
    op.create_table(
        "packages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        *(sa.Column(name, sa.String(size) if size else sa.Text(), nullable=False) for name, size in text_columns),
        sa.Column("period_start", sa.Integer(), nullable=False),
        sa.Column("period_end", sa.Integer(), nullable=False),
        sa.Column("licence", sa.String(500), nullable=False),
        sa.Column("country_iso3", sa.String(3), nullable=False),
        sa.Column("country_name", sa.String(200), nullable=False),
        sa.Column("min_n", sa.Integer(), nullable=False),
        sa.Column("caution_n", sa.Integer(), nullable=False),
        sa.Column("workbook_version", sa.String(50), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("figures", sa.Integer(), nullable=False),
        sa.Column("withheld", sa.Integer(), nullable=False),
        sa.Column("manifest", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["partner_id"], ["partners.id"], name="fk_packages_partner_id"),
        sa.PrimaryKeyConstraint("id", name="pk_packages"),
        sa.UniqueConstraint("sha256", name="uq_packages_sha256"),
    )
    op.create_index("ix_packages_partner_id", "packages", ["partner_id"])
    op.create_table(
        "current_packages",
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("package_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["partner_id"], ["partners.id"], name="fk_current_packages_partner_id"),
        sa.ForeignKeyConstraint(["package_id"], ["packages.id"], name="fk_current_packages_package_id"),
        sa.PrimaryKeyConstraint("partner_id", name="pk_current_packages"),
        sa.UniqueConstraint("package_id", name="uq_current_packages_package_id"),
    )
    op.create_table(
        "figures",
        *_belongs_to_package("figures"),
        sa.Column("line", sa.Integer(), autoincrement=False, nullable=False),
        *(sa.Column(name, kind(), nullable=True) for name, kind in FIGURE_COLUMNS),
        sa.PrimaryKeyConstraint("package_id", "line", name="pk_figures"),
    )
    op.create_table(
        "withheld_cells",
        *_belongs_to_package("withheld_cells"),
        sa.Column("line", sa.Integer(), autoincrement=False, nullable=False),
        *(sa.Column(name, sa.Text(), nullable=False) for name in WITHHELD_COLUMNS),
        sa.PrimaryKeyConstraint("package_id", "line", name="pk_withheld_cells"),
    )
    op.create_table(
        "quality",
        *_belongs_to_package("quality"),
        sa.Column("criterion", sa.String(40), nullable=False),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("package_id", "criterion", name="pk_quality"),
    )


def downgrade() -> None:
    for table in ("quality", "withheld_cells", "figures", "current_packages"):
        op.drop_table(table)
    op.drop_index("ix_packages_partner_id", table_name="packages")
    for table in ("packages", "partners"):
        op.drop_table(table)
