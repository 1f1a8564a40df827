"""training record updated_at index: when the records last changed, from an index (the ISMS evidence page, issue 20)

Revision ID: 258112ffca75
Revises: 7f067a880673
Create Date: 2026-12-07 01:05:37.972652

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '258112ffca75'
down_revision = '7f067a880673'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('training_record', schema=None) as batch_op:
        batch_op.create_index('ix_training_record_updated_at', ['updated_at'], unique=False)


def downgrade():
    with op.batch_alter_table('training_record', schema=None) as batch_op:
        batch_op.drop_index('ix_training_record_updated_at')
