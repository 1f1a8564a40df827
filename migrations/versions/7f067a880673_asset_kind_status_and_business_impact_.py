"""asset kind, status and business impact index: key applications and services counted from an index (issue 20, part 3)

Revision ID: 7f067a880673
Revises: 2e2af756f5d6
Create Date: 2026-12-07 00:18:49.408858

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '7f067a880673'
down_revision = '2e2af756f5d6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('asset', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_asset_kind'))
        batch_op.create_index('ix_asset_kind_status_impact', ['kind', 'status', 'business_impact'], unique=False)


def downgrade():
    with op.batch_alter_table('asset', schema=None) as batch_op:
        batch_op.drop_index('ix_asset_kind_status_impact')
        batch_op.create_index(batch_op.f('ix_asset_kind'), ['kind'], unique=False)
