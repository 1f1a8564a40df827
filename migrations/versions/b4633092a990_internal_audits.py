"""internal audits (issue 19, part 3): the audit programme, audits, their teams, departments and checklists

Revision ID: b4633092a990
Revises: 3af1b69f146a
Create Date: 2026-12-06 20:37:52.425337

"""
from alembic import op
import sqlalchemy as sa
import app.common.models  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = 'b4633092a990'
down_revision = '3af1b69f146a'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_programme',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('frequency', sa.Text(), nullable=False),
    sa.Column('methods', sa.Text(), nullable=False),
    sa.Column('responsibilities', sa.Text(), nullable=False),
    sa.Column('created_at', app.common.models.UTCDateTime(), nullable=False),
    sa.Column('updated_at', app.common.models.UTCDateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_audit_programme_created_by_id_user')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_audit_programme_updated_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_programme'))
    )
    with op.batch_alter_table('audit_programme', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_programme_ends_on'), ['ends_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_programme_starts_on'), ['starts_on'], unique=False)

    op.create_table('internal_audit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=16), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('criteria', sa.Text(), nullable=False),
    sa.Column('planned_start', sa.Date(), nullable=False),
    sa.Column('planned_end', sa.Date(), nullable=False),
    sa.Column('actual_start', sa.Date(), nullable=True),
    sa.Column('actual_end', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('lead_auditor_id', sa.Integer(), nullable=False),
    sa.Column('auditee_contact_id', sa.Integer(), nullable=True),
    sa.Column('independence_conflicts', sa.Text(), nullable=False),
    sa.Column('independence_reason', sa.Text(), nullable=False),
    sa.Column('independence_accepted_by_id', sa.Integer(), nullable=True),
    sa.Column('independence_accepted_at', app.common.models.UTCDateTime(), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('conclusion', sa.Text(), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=True),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('report_sha256', sa.String(length=64), nullable=True),
    sa.Column('report_size', sa.Integer(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('created_at', app.common.models.UTCDateTime(), nullable=False),
    sa.Column('updated_at', app.common.models.UTCDateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['auditee_contact_id'], ['user.id'], name=op.f('fk_internal_audit_auditee_contact_id_user')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_internal_audit_created_by_id_user')),
    sa.ForeignKeyConstraint(['independence_accepted_by_id'], ['user.id'], name=op.f('fk_internal_audit_independence_accepted_by_id_user')),
    sa.ForeignKeyConstraint(['issued_by_id'], ['user.id'], name=op.f('fk_internal_audit_issued_by_id_user')),
    sa.ForeignKeyConstraint(['lead_auditor_id'], ['user.id'], name=op.f('fk_internal_audit_lead_auditor_id_user')),
    sa.ForeignKeyConstraint(['programme_id'], ['audit_programme.id'], name=op.f('fk_internal_audit_programme_id_audit_programme')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_internal_audit_updated_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_internal_audit')),
    sa.UniqueConstraint('reference', name=op.f('uq_internal_audit_reference'))
    )
    with op.batch_alter_table('internal_audit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_internal_audit_auditee_contact_id'), ['auditee_contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_internal_audit_issued_on'), ['issued_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_internal_audit_lead_auditor_id'), ['lead_auditor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_internal_audit_planned_end'), ['planned_end'], unique=False)
        batch_op.create_index(batch_op.f('ix_internal_audit_planned_start'), ['planned_start'], unique=False)
        batch_op.create_index(batch_op.f('ix_internal_audit_programme_id'), ['programme_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_internal_audit_report_sha256'), ['report_sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_internal_audit_status'), ['status'], unique=False)

    op.create_table('internal_audit_department',
    sa.Column('audit_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['audit_id'], ['internal_audit.id'], name=op.f('fk_internal_audit_department_audit_id_internal_audit'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_internal_audit_department_department_id_department')),
    sa.PrimaryKeyConstraint('audit_id', 'department_id', name=op.f('pk_internal_audit_department'))
    )
    with op.batch_alter_table('internal_audit_department', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_internal_audit_department_department_id'), ['department_id'], unique=False)

    op.create_table('internal_audit_team',
    sa.Column('audit_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['audit_id'], ['internal_audit.id'], name=op.f('fk_internal_audit_team_audit_id_internal_audit'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_internal_audit_team_user_id_user')),
    sa.PrimaryKeyConstraint('audit_id', 'user_id', name=op.f('pk_internal_audit_team'))
    )
    with op.batch_alter_table('internal_audit_team', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_internal_audit_team_user_id'), ['user_id'], unique=False)

    op.create_table('checklist_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('audit_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('clause', sa.String(length=8), nullable=True),
    sa.Column('control_id', sa.Integer(), nullable=True),
    sa.Column('result', sa.String(length=16), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=True),
    sa.Column('file_name', sa.String(length=255), nullable=True),
    sa.Column('file_size', sa.Integer(), nullable=True),
    sa.Column('file_media_type', sa.String(length=120), nullable=True),
    sa.Column('nonconformity_id', sa.Integer(), nullable=True),
    sa.Column('created_at', app.common.models.UTCDateTime(), nullable=False),
    sa.Column('updated_at', app.common.models.UTCDateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['audit_id'], ['internal_audit.id'], name=op.f('fk_checklist_line_audit_id_internal_audit'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['control_id'], ['control.id'], name=op.f('fk_checklist_line_control_id_control')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_checklist_line_created_by_id_user')),
    sa.ForeignKeyConstraint(['nonconformity_id'], ['nonconformity.id'], name=op.f('fk_checklist_line_nonconformity_id_nonconformity')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_checklist_line_updated_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checklist_line'))
    )
    with op.batch_alter_table('checklist_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checklist_line_audit_id'), ['audit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_checklist_line_clause'), ['clause'], unique=False)
        batch_op.create_index(batch_op.f('ix_checklist_line_control_id'), ['control_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_checklist_line_file_sha256'), ['file_sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_checklist_line_nonconformity_id'), ['nonconformity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_checklist_line_result'), ['result'], unique=False)

    op.create_table('checklist_line_evidence',
    sa.Column('line_id', sa.Integer(), nullable=False),
    sa.Column('evidence_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence.id'], name=op.f('fk_checklist_line_evidence_evidence_id_evidence'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['line_id'], ['checklist_line.id'], name=op.f('fk_checklist_line_evidence_line_id_checklist_line'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('line_id', 'evidence_id', name=op.f('pk_checklist_line_evidence'))
    )
    with op.batch_alter_table('checklist_line_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checklist_line_evidence_evidence_id'), ['evidence_id'], unique=False)



def downgrade():
    with op.batch_alter_table('checklist_line_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checklist_line_evidence_evidence_id'))

    op.drop_table('checklist_line_evidence')
    with op.batch_alter_table('checklist_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checklist_line_result'))
        batch_op.drop_index(batch_op.f('ix_checklist_line_nonconformity_id'))
        batch_op.drop_index(batch_op.f('ix_checklist_line_file_sha256'))
        batch_op.drop_index(batch_op.f('ix_checklist_line_control_id'))
        batch_op.drop_index(batch_op.f('ix_checklist_line_clause'))
        batch_op.drop_index(batch_op.f('ix_checklist_line_audit_id'))

    op.drop_table('checklist_line')
    with op.batch_alter_table('internal_audit_team', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_internal_audit_team_user_id'))

    op.drop_table('internal_audit_team')
    with op.batch_alter_table('internal_audit_department', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_internal_audit_department_department_id'))

    op.drop_table('internal_audit_department')
    with op.batch_alter_table('internal_audit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_internal_audit_status'))
        batch_op.drop_index(batch_op.f('ix_internal_audit_report_sha256'))
        batch_op.drop_index(batch_op.f('ix_internal_audit_programme_id'))
        batch_op.drop_index(batch_op.f('ix_internal_audit_planned_start'))
        batch_op.drop_index(batch_op.f('ix_internal_audit_planned_end'))
        batch_op.drop_index(batch_op.f('ix_internal_audit_lead_auditor_id'))
        batch_op.drop_index(batch_op.f('ix_internal_audit_issued_on'))
        batch_op.drop_index(batch_op.f('ix_internal_audit_auditee_contact_id'))

    op.drop_table('internal_audit')
    with op.batch_alter_table('audit_programme', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_programme_starts_on'))
        batch_op.drop_index(batch_op.f('ix_audit_programme_ends_on'))

    op.drop_table('audit_programme')
