"""updated_at indexes on risk, risk_action and evidence: when each register last changed, from an index (the ISMS evidence page, issue 19)

Revision ID: 51831a57e7af
Revises: 09547806bb8d
Create Date: 2026-12-06 23:26:59.357095

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '51831a57e7af'
down_revision = '09547806bb8d'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.create_index('ix_evidence_updated_at', ['updated_at'], unique=False)

    with op.batch_alter_table('risk', schema=None) as batch_op:
        batch_op.create_index('ix_risk_updated_at', ['updated_at'], unique=False)

    with op.batch_alter_table('risk_action', schema=None) as batch_op:
        batch_op.create_index('ix_risk_action_updated_at', ['updated_at'], unique=False)


def downgrade():
    with op.batch_alter_table('risk_action', schema=None) as batch_op:
        batch_op.drop_index('ix_risk_action_updated_at')

    with op.batch_alter_table('risk', schema=None) as batch_op:
        batch_op.drop_index('ix_risk_updated_at')

    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_index('ix_evidence_updated_at')
