"""asset updated_at index: when the inventory last changed, read from an index (the ISMS evidence page, issue 19)

Revision ID: 09547806bb8d
Revises: d5ab9bd32173
Create Date: 2026-12-06 22:15:08.472442

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '09547806bb8d'
down_revision = 'd5ab9bd32173'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('asset', schema=None) as batch_op:
        batch_op.create_index('ix_asset_updated_at', ['updated_at'], unique=False)



def downgrade():
    with op.batch_alter_table('asset', schema=None) as batch_op:
        batch_op.drop_index('ix_asset_updated_at')

