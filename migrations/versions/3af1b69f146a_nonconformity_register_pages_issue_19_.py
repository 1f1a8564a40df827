"""nonconformity register pages (issue 19, part 4): five whys, reviews, ISMS changes, failed control tests raise nonconformities

Existing control tests keep their follow-up text; no nonconformity is raised for them here (a
migration cannot choose an owner and due date, nor write the keyed audit log): the control's page
offers to raise one for each earlier failed test.

Revision ID: 3af1b69f146a
Revises: df4df74b4196
Create Date: 2026-12-06 20:33:31.037329

"""
from alembic import op
import sqlalchemy as sa
import app.common.models  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = '3af1b69f146a'
down_revision = 'df4df74b4196'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('nonconformity_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nonconformity_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('risk_id', sa.Integer(), nullable=True),
    sa.Column('policy_id', sa.Integer(), nullable=True),
    sa.Column('control_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', app.common.models.UTCDateTime(), nullable=False),
    sa.Column('updated_at', app.common.models.UTCDateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['control_id'], ['control.id'], name=op.f('fk_nonconformity_change_control_id_control'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_nonconformity_change_created_by_id_user')),
    sa.ForeignKeyConstraint(['nonconformity_id'], ['nonconformity.id'], name=op.f('fk_nonconformity_change_nonconformity_id_nonconformity'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['policy_id'], ['policy.id'], name=op.f('fk_nonconformity_change_policy_id_policy'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['risk_id'], ['risk.id'], name=op.f('fk_nonconformity_change_risk_id_risk'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_nonconformity_change_updated_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nonconformity_change'))
    )
    with op.batch_alter_table('nonconformity_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nonconformity_change_control_id'), ['control_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_nonconformity_change_nonconformity_id'), ['nonconformity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_nonconformity_change_policy_id'), ['policy_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_nonconformity_change_risk_id'), ['risk_id'], unique=False)

    op.create_table('nonconformity_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nonconformity_id', sa.Integer(), nullable=False),
    sa.Column('reviewed_on', sa.Date(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=True),
    sa.Column('effective', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('action_round', sa.Integer(), nullable=False),
    sa.Column('created_at', app.common.models.UTCDateTime(), nullable=False),
    sa.Column('updated_at', app.common.models.UTCDateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_nonconformity_review_created_by_id_user')),
    sa.ForeignKeyConstraint(['nonconformity_id'], ['nonconformity.id'], name=op.f('fk_nonconformity_review_nonconformity_id_nonconformity'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['user.id'], name=op.f('fk_nonconformity_review_reviewer_id_user')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_nonconformity_review_updated_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nonconformity_review'))
    )
    with op.batch_alter_table('nonconformity_review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nonconformity_review_nonconformity_id'), ['nonconformity_id'], unique=False)

    with op.batch_alter_table('control_test', schema=None) as batch_op:
        batch_op.add_column(sa.Column('nonconformity_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_control_test_nonconformity_id'), ['nonconformity_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_control_test_nonconformity_id_nonconformity'), 'nonconformity', ['nonconformity_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('corrective_action', schema=None) as batch_op:
        batch_op.add_column(sa.Column('action_round', sa.Integer(), server_default='1', nullable=False))

    with op.batch_alter_table('nonconformity', schema=None) as batch_op:
        batch_op.add_column(sa.Column('five_whys', sa.JSON(), server_default='[]', nullable=False))
        batch_op.add_column(sa.Column('verifying_since', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('action_round', sa.Integer(), server_default='1', nullable=False))



def downgrade():
    with op.batch_alter_table('nonconformity', schema=None) as batch_op:
        batch_op.drop_column('action_round')
        batch_op.drop_column('verifying_since')
        batch_op.drop_column('five_whys')

    with op.batch_alter_table('corrective_action', schema=None) as batch_op:
        batch_op.drop_column('action_round')

    with op.batch_alter_table('control_test', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_control_test_nonconformity_id_nonconformity'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_control_test_nonconformity_id'))
        batch_op.drop_column('nonconformity_id')

    with op.batch_alter_table('nonconformity_review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nonconformity_review_nonconformity_id'))

    op.drop_table('nonconformity_review')
    with op.batch_alter_table('nonconformity_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nonconformity_change_risk_id'))
        batch_op.drop_index(batch_op.f('ix_nonconformity_change_policy_id'))
        batch_op.drop_index(batch_op.f('ix_nonconformity_change_nonconformity_id'))
        batch_op.drop_index(batch_op.f('ix_nonconformity_change_control_id'))

    op.drop_table('nonconformity_change')
