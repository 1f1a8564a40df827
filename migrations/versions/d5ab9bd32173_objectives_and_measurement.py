"""objectives and measurement (issue 19, part 2: ISO/IEC 27001 6.2 and 9.1)

Information-security objectives with their dated status history, metrics (a computed one names its
computation in app.objectives.computations), the objectives' metrics, and measurements: one per
metric and period (uq_measurement_period, which keeps the computing job idempotent; its leading
column serves lookups by metric). New tables only: nothing existing changes.

Revision ID: d5ab9bd32173
Revises: b4633092a990
Create Date: 2026-12-06 20:34:53.203714

"""
from alembic import op
import sqlalchemy as sa
import app.common.models  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = 'd5ab9bd32173'
down_revision = 'b4633092a990'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('metric',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('method', sa.Text(), nullable=False),
    sa.Column('frequency', sa.String(length=16), nullable=False),
    sa.Column('measurer_id', sa.Integer(), nullable=True),
    sa.Column('evaluator_id', sa.Integer(), nullable=True),
    sa.Column('target', sa.Float(), nullable=False),
    sa.Column('direction', sa.String(length=8), nullable=False),
    sa.Column('unit', sa.String(length=24), nullable=False),
    sa.Column('computation', sa.String(length=48), nullable=True),
    sa.Column('headline', sa.Boolean(), nullable=False),
    sa.Column('created_at', app.common.models.UTCDateTime(), nullable=False),
    sa.Column('updated_at', app.common.models.UTCDateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_metric_created_by_id_user')),
    sa.ForeignKeyConstraint(['evaluator_id'], ['user.id'], name=op.f('fk_metric_evaluator_id_user')),
    sa.ForeignKeyConstraint(['measurer_id'], ['user.id'], name=op.f('fk_metric_measurer_id_user')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_metric_updated_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_metric')),
    sa.UniqueConstraint('title', name=op.f('uq_metric_title'))
    )
    with op.batch_alter_table('metric', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_metric_evaluator_id'), ['evaluator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_metric_headline'), ['headline'], unique=False)
        batch_op.create_index(batch_op.f('ix_metric_measurer_id'), ['measurer_id'], unique=False)

    op.create_table('objective',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('plan', sa.Text(), nullable=False),
    sa.Column('resources', sa.Text(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('evaluation', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', app.common.models.UTCDateTime(), nullable=False),
    sa.Column('updated_at', app.common.models.UTCDateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_objective_created_by_id_user')),
    sa.ForeignKeyConstraint(['owner_id'], ['user.id'], name=op.f('fk_objective_owner_id_user')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_objective_updated_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_objective'))
    )
    with op.batch_alter_table('objective', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_objective_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_objective_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_objective_status'), ['status'], unique=False)

    op.create_table('measurement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('metric_id', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('measured_on', sa.Date(), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('computed', sa.Boolean(), nullable=False),
    sa.Column('measured_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', app.common.models.UTCDateTime(), nullable=False),
    sa.Column('updated_at', app.common.models.UTCDateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_measurement_created_by_id_user')),
    sa.ForeignKeyConstraint(['measured_by_id'], ['user.id'], name=op.f('fk_measurement_measured_by_id_user')),
    sa.ForeignKeyConstraint(['metric_id'], ['metric.id'], name=op.f('fk_measurement_metric_id_metric'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_measurement_updated_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_measurement')),
    sa.UniqueConstraint('metric_id', 'period_start', name='uq_measurement_period')
    )
    with op.batch_alter_table('measurement', schema=None) as batch_op:
        batch_op.create_index('ix_measurement_period_start', ['period_start'], unique=False)

    op.create_table('objective_metric',
    sa.Column('objective_id', sa.Integer(), nullable=False),
    sa.Column('metric_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['metric_id'], ['metric.id'], name=op.f('fk_objective_metric_metric_id_metric'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['objective_id'], ['objective.id'], name=op.f('fk_objective_metric_objective_id_objective'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('objective_id', 'metric_id', name=op.f('pk_objective_metric'))
    )
    with op.batch_alter_table('objective_metric', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_objective_metric_metric_id'), ['metric_id'], unique=False)

    op.create_table('objective_status_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('objective_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('changed_on', sa.Date(), nullable=False),
    sa.Column('changed_at', app.common.models.UTCDateTime(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['user.id'], name=op.f('fk_objective_status_change_changed_by_id_user')),
    sa.ForeignKeyConstraint(['objective_id'], ['objective.id'], name=op.f('fk_objective_status_change_objective_id_objective'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_objective_status_change'))
    )
    with op.batch_alter_table('objective_status_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_objective_status_change_objective_id'), ['objective_id'], unique=False)



def downgrade():
    with op.batch_alter_table('objective_status_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_objective_status_change_objective_id'))

    op.drop_table('objective_status_change')
    with op.batch_alter_table('objective_metric', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_objective_metric_metric_id'))

    op.drop_table('objective_metric')
    with op.batch_alter_table('measurement', schema=None) as batch_op:
        batch_op.drop_index('ix_measurement_period_start')

    op.drop_table('measurement')
    with op.batch_alter_table('objective', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_objective_status'))
        batch_op.drop_index(batch_op.f('ix_objective_owner_id'))
        batch_op.drop_index(batch_op.f('ix_objective_due_on'))

    op.drop_table('objective')
    with op.batch_alter_table('metric', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_metric_measurer_id'))
        batch_op.drop_index(batch_op.f('ix_metric_headline'))
        batch_op.drop_index(batch_op.f('ix_metric_evaluator_id'))

    op.drop_table('metric')
