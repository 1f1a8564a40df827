"""measurement corrections: a hand-recorded value corrected with a reason, by whom and when; version for the conflict check (issue 19)

Revision ID: 22806c889c7c
Revises: 51831a57e7af
Create Date: 2026-12-06 23:29:30.531573

"""
from alembic import op
import sqlalchemy as sa
import app.common.models  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = '22806c889c7c'
down_revision = '51831a57e7af'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('measurement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('corrected_at', app.common.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('corrected_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('correction_reason', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
        batch_op.create_foreign_key(batch_op.f('fk_measurement_corrected_by_id_user'), 'user', ['corrected_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('measurement', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_measurement_corrected_by_id_user'), type_='foreignkey')
        batch_op.drop_column('version')
        batch_op.drop_column('correction_reason')
        batch_op.drop_column('corrected_by_id')
        batch_op.drop_column('corrected_at')
