"""reported portfolio years: a year's applications portfolio as the organisation reported it (issue 21, part 1)

A row per year with the cells its table prints (JSON, checked by app.assets.reported), kept beside the
portfolio Khusela counts from the applications' dispositions.

Revision ID: 8024ccfc77e7
Revises: 868ae466acb9
Create Date: 2026-12-07 02:50:44.533386

"""
from alembic import op
import sqlalchemy as sa
import app.common.models  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = '8024ccfc77e7'
down_revision = '868ae466acb9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reported_portfolio_year',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('cells', sa.JSON(), nullable=False),
    sa.Column('created_at', app.common.models.UTCDateTime(), nullable=False),
    sa.Column('updated_at', app.common.models.UTCDateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_reported_portfolio_year_created_by_id_user')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_reported_portfolio_year_updated_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reported_portfolio_year')),
    sa.UniqueConstraint('year', name=op.f('uq_reported_portfolio_year_year'))
    )


def downgrade():
    op.drop_table('reported_portfolio_year')
