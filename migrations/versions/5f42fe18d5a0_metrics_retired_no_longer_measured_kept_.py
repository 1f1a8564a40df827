"""metrics retired: no longer measured, kept with their measurements, reinstatable (issue 19)

Revision ID: 5f42fe18d5a0
Revises: 22806c889c7c
Create Date: 2026-12-06 23:36:30.210829

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5f42fe18d5a0'
down_revision = '22806c889c7c'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('metric', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retired_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('retirement_reason', sa.Text(), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('metric', schema=None) as batch_op:
        batch_op.drop_column('retirement_reason')
        batch_op.drop_column('retired_on')
