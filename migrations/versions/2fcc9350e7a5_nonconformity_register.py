"""nonconformity register (issue 19, part 4): nonconformities and their corrective actions

Revision ID: 2fcc9350e7a5
Revises: 3396000e76d5
Create Date: 2026-12-06 20:30:35.570721

"""
from alembic import op
import sqlalchemy as sa
import app.common.models  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = '2fcc9350e7a5'
down_revision = '3396000e76d5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('nonconformity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=24), nullable=False),
    sa.Column('source_reference', sa.String(length=200), nullable=False),
    sa.Column('severity', sa.String(length=8), nullable=False),
    sa.Column('clause', sa.String(length=8), nullable=True),
    sa.Column('control_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('raised_on', sa.Date(), nullable=False),
    sa.Column('raised_by_id', sa.Integer(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('correction', sa.Text(), nullable=False),
    sa.Column('root_cause', sa.Text(), nullable=False),
    sa.Column('similar_elsewhere', sa.Text(), nullable=False),
    sa.Column('effectiveness_reviewed_on', sa.Date(), nullable=True),
    sa.Column('effectiveness_reviewer_id', sa.Integer(), nullable=True),
    sa.Column('effectiveness_effective', sa.Boolean(), nullable=True),
    sa.Column('effectiveness_note', sa.Text(), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('created_at', app.common.models.UTCDateTime(), nullable=False),
    sa.Column('updated_at', app.common.models.UTCDateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['control_id'], ['control.id'], name=op.f('fk_nonconformity_control_id_control')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_nonconformity_created_by_id_user'), use_alter=True),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_nonconformity_department_id_department')),
    sa.ForeignKeyConstraint(['effectiveness_reviewer_id'], ['user.id'], name=op.f('fk_nonconformity_effectiveness_reviewer_id_user')),
    sa.ForeignKeyConstraint(['owner_id'], ['user.id'], name=op.f('fk_nonconformity_owner_id_user')),
    sa.ForeignKeyConstraint(['raised_by_id'], ['user.id'], name=op.f('fk_nonconformity_raised_by_id_user')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_nonconformity_updated_by_id_user'), use_alter=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nonconformity')),
    sa.UniqueConstraint('reference', name=op.f('uq_nonconformity_reference'))
    )
    with op.batch_alter_table('nonconformity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nonconformity_clause'), ['clause'], unique=False)
        batch_op.create_index(batch_op.f('ix_nonconformity_closed_on'), ['closed_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_nonconformity_control_id'), ['control_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_nonconformity_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_nonconformity_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_nonconformity_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_nonconformity_raised_on'), ['raised_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_nonconformity_severity'), ['severity'], unique=False)
        batch_op.create_index(batch_op.f('ix_nonconformity_source'), ['source'], unique=False)
        batch_op.create_index(batch_op.f('ix_nonconformity_status'), ['status'], unique=False)

    op.create_table('corrective_action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nonconformity_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('progress_note', sa.Text(), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=True),
    sa.Column('created_at', app.common.models.UTCDateTime(), nullable=False),
    sa.Column('updated_at', app.common.models.UTCDateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_corrective_action_created_by_id_user'), use_alter=True),
    sa.ForeignKeyConstraint(['nonconformity_id'], ['nonconformity.id'], name=op.f('fk_corrective_action_nonconformity_id_nonconformity'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['user.id'], name=op.f('fk_corrective_action_owner_id_user')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_corrective_action_updated_by_id_user'), use_alter=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_corrective_action'))
    )
    with op.batch_alter_table('corrective_action', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_corrective_action_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_corrective_action_nonconformity_id'), ['nonconformity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_corrective_action_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_corrective_action_status'), ['status'], unique=False)



def downgrade():
    with op.batch_alter_table('corrective_action', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_corrective_action_status'))
        batch_op.drop_index(batch_op.f('ix_corrective_action_owner_id'))
        batch_op.drop_index(batch_op.f('ix_corrective_action_nonconformity_id'))
        batch_op.drop_index(batch_op.f('ix_corrective_action_due_on'))

    op.drop_table('corrective_action')
    with op.batch_alter_table('nonconformity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nonconformity_status'))
        batch_op.drop_index(batch_op.f('ix_nonconformity_source'))
        batch_op.drop_index(batch_op.f('ix_nonconformity_severity'))
        batch_op.drop_index(batch_op.f('ix_nonconformity_raised_on'))
        batch_op.drop_index(batch_op.f('ix_nonconformity_owner_id'))
        batch_op.drop_index(batch_op.f('ix_nonconformity_due_on'))
        batch_op.drop_index(batch_op.f('ix_nonconformity_department_id'))
        batch_op.drop_index(batch_op.f('ix_nonconformity_control_id'))
        batch_op.drop_index(batch_op.f('ix_nonconformity_closed_on'))
        batch_op.drop_index(batch_op.f('ix_nonconformity_clause'))

    op.drop_table('nonconformity')
