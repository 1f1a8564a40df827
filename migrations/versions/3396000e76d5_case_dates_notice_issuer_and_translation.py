"""case dates, notice issuer and translation, 2025 sanction factors (issue 18, points 3-5)

A case records when the breach was reported (existing cases: the day they were opened); a notice
of a hearing names who issued it and their position (existing notices: the account that recorded
it, with the position of its employee record or else its role) and may link its translation;
a sanction keeps the 2025 Code's acknowledgement of wrongdoing and impact on the business.

Revision ID: 3396000e76d5
Revises: db015908c40c
Create Date: 2026-12-06 18:26:48.733997

"""
from alembic import op
import sqlalchemy as sa
import app.common.models  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = '3396000e76d5'
down_revision = 'db015908c40c'
branch_labels = None
depends_on = None

# The role labels of app.auth.models.ROLE_LABELS when this migration was written.
ROLE_LABELS = {"admin": "Administrator", "security_officer": "Security officer", "risk_owner": "Risk owner",
               "manager": "Manager", "hr_officer": "HR officer", "auditor": "Auditor"}


def upgrade():
    with op.batch_alter_table('case_hearing_notice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('issued_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('issued_by_name', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('issued_by_position', sa.String(length=200), server_default='',
                                      nullable=False))
        batch_op.add_column(sa.Column('translation_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_case_hearing_notice_issued_by_id_user'), 'user', ['issued_by_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_case_hearing_notice_translation_id_case_evidence'), 'case_evidence', ['translation_id'], ['id'], ondelete='SET NULL')
    # Who recorded a notice issued it; their position is their employee record's, or else their role.
    role_label = "CASE u.role " + " ".join(f"WHEN '{role}' THEN '{label}'" for role, label in ROLE_LABELS.items()) \
        + " ELSE '' END"
    op.execute(f"""
        UPDATE case_hearing_notice SET
            issued_by_id = created_by_id,
            issued_by_name = COALESCE((SELECT u.full_name FROM "user" u WHERE u.id = case_hearing_notice.created_by_id), ''),
            issued_by_position = COALESCE(
                (SELECT NULLIF(e.position, '') FROM employee e WHERE e.user_id = case_hearing_notice.created_by_id),
                (SELECT {role_label} FROM "user" u WHERE u.id = case_hearing_notice.created_by_id),
                '')
        WHERE created_by_id IS NOT NULL""")

    with op.batch_alter_table('case_sanction', schema=None) as batch_op:
        batch_op.add_column(sa.Column('wrongdoing_acknowledged', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.add_column(sa.Column('business_impact', sa.Text(), server_default='', nullable=False))

    # Cases opened so far: the breach was reported on the day the case was opened. The column is added
    # NOT NULL with a placeholder default, then filled: making a nullable column NOT NULL would rebuild
    # the table on SQLite, and dropping policy_case under enforced foreign keys deletes every warning,
    # notice and evidence row of every case (ON DELETE CASCADE). The placeholder is never used (the
    # application always gives the date); PostgreSQL drops it, SQLite could only by a rebuild.
    with op.batch_alter_table('policy_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reported_on', sa.Date(), server_default='1970-01-01', nullable=False))
    op.execute("UPDATE policy_case SET reported_on = opened_on")
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column('policy_case', 'reported_on', server_default=None)


def downgrade():
    # Not a batch operation: a rebuild of policy_case on SQLite would take its cases' steps with it.
    op.drop_column('policy_case', 'reported_on')

    with op.batch_alter_table('case_sanction', schema=None) as batch_op:
        batch_op.drop_column('business_impact')
        batch_op.drop_column('wrongdoing_acknowledged')

    with op.batch_alter_table('case_hearing_notice', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_case_hearing_notice_translation_id_case_evidence'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_case_hearing_notice_issued_by_id_user'), type_='foreignkey')
        batch_op.drop_column('translation_id')
        batch_op.drop_column('issued_by_position')
        batch_op.drop_column('issued_by_name')
        batch_op.drop_column('issued_by_id')
