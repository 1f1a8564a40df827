"""server-side sessions; two-factor secrets sealed with the two-factor key

Revision ID: a27f0795d3b3
Revises: 35b5adb676eb
Create Date: 2026-12-06 17:43:52.835925

The upgrade seals every two-factor secret stored in plain text with the two-factor key
(KHUSELA_TOTP_KEY, else instance/totp_key: current_app.config["TOTP_KEY"]); the downgrade opens
them again, and refuses, changing nothing, when the key is not the one they were sealed with.
"""
from alembic import op
import sqlalchemy as sa
from flask import current_app

import app.common.models  # noqa: F401  (custom column types)
from app.auth import sealing


# revision identifiers, used by Alembic.
revision = 'a27f0795d3b3'
down_revision = "35b5adb676eb"
branch_labels = None
depends_on = None

users = sa.table('user', sa.column('id', sa.Integer()), sa.column('totp_secret', sa.String()))


def _stored_secrets(connection) -> list:
    return connection.execute(sa.select(users.c.id, users.c.totp_secret)
                              .where(users.c.totp_secret.is_not(None)).order_by(users.c.id)).all()


def _write(connection, secrets: dict) -> None:
    for user_id, value in secrets.items():
        connection.execute(users.update().where(users.c.id == user_id).values(totp_secret=value))


def _retype_totp_secret(length: int) -> None:
    """user.totp_secret as VARCHAR(length). PostgreSQL alters the column in place. SQLite cannot,
    and batch mode's copy of the table ends with DROP TABLE "user", which the foreign keys of every
    table naming a user refuse as soon as there is data; so, natively (SQLite 3.35+): a new column,
    a copy, the old one dropped, the new one renamed."""
    if op.get_bind().dialect.name != 'sqlite':
        op.alter_column('user', 'totp_secret', type_=sa.String(length=length), existing_nullable=True)
        return
    op.execute(f'ALTER TABLE "user" ADD COLUMN totp_secret_retyped VARCHAR({length})')
    op.execute('UPDATE "user" SET totp_secret_retyped = totp_secret')
    op.execute('ALTER TABLE "user" DROP COLUMN totp_secret')
    op.execute('ALTER TABLE "user" RENAME COLUMN totp_secret_retyped TO totp_secret')


def upgrade():
    op.create_table('user_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', app.common.models.UTCDateTime(), nullable=False),
    sa.Column('last_seen_at', app.common.models.UTCDateTime(), nullable=False),
    sa.Column('expires_at', app.common.models.UTCDateTime(), nullable=False),
    sa.Column('ended_at', app.common.models.UTCDateTime(), nullable=True),
    sa.Column('end_reason', sa.String(length=32), nullable=True),
    sa.Column('ip_address', sa.String(length=45), nullable=True),
    sa.Column('user_agent', sa.String(length=255), nullable=True),
    sa.Column('pending_totp_secret', sa.String(length=255), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_user_session_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_session')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_user_session_key_hash'))
    )
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_session_last_seen_at'), ['last_seen_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_user_session_user_id'), ['user_id'], unique=False)

    # Wider first: a sealed secret (nonce, ciphertext, tag, in base64) is about 90 characters.
    _retype_totp_secret(255)

    connection = op.get_bind()
    key = current_app.config["TOTP_KEY"]
    _write(connection, {user_id: sealing.seal(secret, sealing.user_context(user_id), key_material=key)
                        for user_id, secret in _stored_secrets(connection) if not sealing.is_sealed(secret)})


def downgrade():
    connection = op.get_bind()
    key = current_app.config["TOTP_KEY"]
    try:
        plain = {user_id: sealing.unseal(secret, sealing.user_context(user_id), key_material=key)
                 for user_id, secret in _stored_secrets(connection) if sealing.is_sealed(secret)}
    except sealing.KeyMismatch as error:
        raise RuntimeError(f"Downgrade stopped, nothing changed: {error}") from None
    _write(connection, plain)
    _retype_totp_secret(64)

    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_session_user_id'))
        batch_op.drop_index(batch_op.f('ix_user_session_last_seen_at'))

    op.drop_table('user_session')
