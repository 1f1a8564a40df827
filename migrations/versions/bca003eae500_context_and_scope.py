"""ISMS context and scope (ISO/IEC 27001 4.1-4.3, 5.3): issues, interested parties and their requirements
linked to controls, the scope statement and its issued versions, information-security roles and their holders

Revision ID: bca003eae500
Revises: 2fcc9350e7a5
Create Date: 2026-12-06 20:34:17.051807

"""
from alembic import op
import sqlalchemy as sa
import app.common.models  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = 'bca003eae500'
down_revision = '2fcc9350e7a5'
branch_labels = None
depends_on = None


def upgrade():
    # New tables only: no existing rows need server defaults.
    op.create_table('isms_role',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('responsibilities', sa.Text(), nullable=False),
    sa.Column('authority', sa.Text(), nullable=False),
    sa.Column('created_at', app.common.models.UTCDateTime(), nullable=False),
    sa.Column('updated_at', app.common.models.UTCDateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_isms_role_created_by_id_user'), use_alter=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_isms_role_updated_by_id_user'), use_alter=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_isms_role')),
    sa.UniqueConstraint('name', name=op.f('uq_isms_role_name'))
    )
    op.create_table('context_issue',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('effect', sa.Text(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('review_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', app.common.models.UTCDateTime(), nullable=False),
    sa.Column('updated_at', app.common.models.UTCDateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_context_issue_created_by_id_user'), use_alter=True),
    sa.ForeignKeyConstraint(['owner_id'], ['user.id'], name=op.f('fk_context_issue_owner_id_user')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_context_issue_updated_by_id_user'), use_alter=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_context_issue'))
    )
    with op.batch_alter_table('context_issue', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_context_issue_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_context_issue_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_context_issue_review_on'), ['review_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_context_issue_status'), ['status'], unique=False)

    op.create_table('interested_party',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('review_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', app.common.models.UTCDateTime(), nullable=False),
    sa.Column('updated_at', app.common.models.UTCDateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_interested_party_created_by_id_user'), use_alter=True),
    sa.ForeignKeyConstraint(['owner_id'], ['user.id'], name=op.f('fk_interested_party_owner_id_user')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_interested_party_updated_by_id_user'), use_alter=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interested_party')),
    sa.UniqueConstraint('name', name=op.f('uq_interested_party_name'))
    )
    with op.batch_alter_table('interested_party', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_interested_party_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_interested_party_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_interested_party_review_on'), ['review_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_interested_party_status'), ['status'], unique=False)

    op.create_table('isms_role_assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('role_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('created_at', app.common.models.UTCDateTime(), nullable=False),
    sa.Column('updated_at', app.common.models.UTCDateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_isms_role_assignment_created_by_id_user'), use_alter=True),
    sa.ForeignKeyConstraint(['role_id'], ['isms_role.id'], name=op.f('fk_isms_role_assignment_role_id_isms_role'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_isms_role_assignment_updated_by_id_user'), use_alter=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_isms_role_assignment_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_isms_role_assignment'))
    )
    with op.batch_alter_table('isms_role_assignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_isms_role_assignment_ends_on'), ['ends_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_isms_role_assignment_role_id'), ['role_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_isms_role_assignment_user_id'), ['user_id'], unique=False)

    op.create_table('scope_statement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=8), nullable=False),
    sa.Column('in_scope', sa.Text(), nullable=False),
    sa.Column('out_of_scope', sa.Text(), nullable=False),
    sa.Column('boundaries', sa.Text(), nullable=False),
    sa.Column('interfaces', sa.Text(), nullable=False),
    sa.Column('exclusions', sa.JSON(), nullable=False),
    sa.Column('change_note', sa.Text(), nullable=False),
    sa.Column('approved_on', sa.Date(), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('approval_note', sa.Text(), nullable=False),
    sa.Column('issued_at', app.common.models.UTCDateTime(), nullable=True),
    sa.Column('created_at', app.common.models.UTCDateTime(), nullable=False),
    sa.Column('updated_at', app.common.models.UTCDateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['approved_by_id'], ['user.id'], name=op.f('fk_scope_statement_approved_by_id_user')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_scope_statement_created_by_id_user'), use_alter=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_scope_statement_updated_by_id_user'), use_alter=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scope_statement')),
    sa.UniqueConstraint('number', name=op.f('uq_scope_statement_number'))
    )
    with op.batch_alter_table('scope_statement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scope_statement_state'), ['state'], unique=False)

    op.create_table('party_requirement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('requirement', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('addressed', sa.Boolean(), nullable=False),
    sa.Column('how_addressed', sa.Text(), nullable=False),
    sa.Column('created_at', app.common.models.UTCDateTime(), nullable=False),
    sa.Column('updated_at', app.common.models.UTCDateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_party_requirement_created_by_id_user'), use_alter=True),
    sa.ForeignKeyConstraint(['party_id'], ['interested_party.id'], name=op.f('fk_party_requirement_party_id_interested_party'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_party_requirement_updated_by_id_user'), use_alter=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_party_requirement'))
    )
    with op.batch_alter_table('party_requirement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_party_requirement_party_id'), ['party_id'], unique=False)

    op.create_table('party_requirement_control',
    sa.Column('requirement_id', sa.Integer(), nullable=False),
    sa.Column('control_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['control_id'], ['control.id'], name=op.f('fk_party_requirement_control_control_id_control'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requirement_id'], ['party_requirement.id'], name=op.f('fk_party_requirement_control_requirement_id_party_requirement'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('requirement_id', 'control_id', name=op.f('pk_party_requirement_control'))
    )
    with op.batch_alter_table('party_requirement_control', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_party_requirement_control_control_id'), ['control_id'], unique=False)



def downgrade():
    with op.batch_alter_table('party_requirement_control', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_party_requirement_control_control_id'))

    op.drop_table('party_requirement_control')
    with op.batch_alter_table('party_requirement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_party_requirement_party_id'))

    op.drop_table('party_requirement')
    with op.batch_alter_table('scope_statement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scope_statement_state'))

    op.drop_table('scope_statement')
    with op.batch_alter_table('isms_role_assignment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_isms_role_assignment_user_id'))
        batch_op.drop_index(batch_op.f('ix_isms_role_assignment_role_id'))
        batch_op.drop_index(batch_op.f('ix_isms_role_assignment_ends_on'))

    op.drop_table('isms_role_assignment')
    with op.batch_alter_table('interested_party', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_interested_party_status'))
        batch_op.drop_index(batch_op.f('ix_interested_party_review_on'))
        batch_op.drop_index(batch_op.f('ix_interested_party_owner_id'))
        batch_op.drop_index(batch_op.f('ix_interested_party_kind'))

    op.drop_table('interested_party')
    with op.batch_alter_table('context_issue', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_context_issue_status'))
        batch_op.drop_index(batch_op.f('ix_context_issue_review_on'))
        batch_op.drop_index(batch_op.f('ix_context_issue_owner_id'))
        batch_op.drop_index(batch_op.f('ix_context_issue_kind'))

    op.drop_table('context_issue')
    op.drop_table('isms_role')
