"""device profile catalogue: SITA's profiles as a table items refer to (issue 21, part 1)

The shipped profiles (app/data/sita-device-profiles.csv) are loaded; an item's device profile, so far
free text, becomes a reference to the catalogue: a code the catalogue does not hold becomes a profile of
its own (code only), so that no item loses what it carried.

Revision ID: 868ae466acb9
Revises: 690e7131e084
Create Date: 2026-12-07 02:35:39.835581

"""
from alembic import op
import sqlalchemy as sa
import app.common.models  # noqa: F401  (custom column types)
from app.assets.profiles import sync_profiles
from app.common.timeutil import utcnow


# revision identifiers, used by Alembic.
revision = '868ae466acb9'
down_revision = '690e7131e084'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('device_profile',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('item', sa.String(length=120), nullable=False),
    sa.Column('platform', sa.String(length=120), nullable=False),
    sa.Column('cpu', sa.String(length=120), nullable=False),
    sa.Column('memory', sa.String(length=120), nullable=False),
    sa.Column('disk', sa.String(length=120), nullable=False),
    sa.Column('video_adaptor', sa.String(length=120), nullable=False),
    sa.Column('connectivity', sa.String(length=200), nullable=False),
    sa.Column('screen_size', sa.String(length=200), nullable=False),
    sa.Column('created_at', app.common.models.UTCDateTime(), nullable=False),
    sa.Column('updated_at', app.common.models.UTCDateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_device_profile_created_by_id_user')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_device_profile_updated_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_device_profile')),
    sa.UniqueConstraint('code', name=op.f('uq_device_profile_code'))
    )
    bind = op.get_bind()
    profile = sa.Table('device_profile', sa.MetaData(), autoload_with=bind)
    sync_profiles(bind, profile)
    with op.batch_alter_table('asset', schema=None) as batch_op:
        batch_op.add_column(sa.Column('device_profile_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_asset_device_profile_id'), ['device_profile_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_asset_device_profile_id_device_profile'), 'device_profile', ['device_profile_id'], ['id'])

    asset = sa.table('asset', sa.column('device_profile', sa.String), sa.column('device_profile_id', sa.Integer))
    known = {code.casefold() for code in bind.scalars(sa.select(profile.c.code))}
    carried = {code.strip() for code in bind.scalars(sa.select(asset.c.device_profile).distinct()) if code.strip()}
    now = utcnow()
    missing = {code.casefold(): code for code in sorted(carried) if code.casefold() not in known}
    if missing:
        bind.execute(profile.insert(), [
            {'code': code, 'item': '', 'platform': '', 'cpu': '', 'memory': '', 'disk': '', 'video_adaptor': '',
             'connectivity': '', 'screen_size': '', 'created_at': now, 'updated_at': now}
            for code in missing.values()])
    bind.execute(asset.update().where(sa.func.trim(asset.c.device_profile) != '').values(
        device_profile_id=sa.select(profile.c.id).where(
            sa.func.lower(profile.c.code) == sa.func.lower(sa.func.trim(asset.c.device_profile)))
        .limit(1).scalar_subquery()))

    with op.batch_alter_table('asset', schema=None) as batch_op:
        batch_op.drop_column('device_profile')


def downgrade():
    with op.batch_alter_table('asset', schema=None) as batch_op:
        batch_op.add_column(sa.Column('device_profile', sa.VARCHAR(length=32), nullable=False, server_default=''))
    bind = op.get_bind()
    asset = sa.table('asset', sa.column('device_profile', sa.String), sa.column('device_profile_id', sa.Integer))
    profile = sa.table('device_profile', sa.column('id', sa.Integer), sa.column('code', sa.String))
    bind.execute(asset.update().where(asset.c.device_profile_id.is_not(None)).values(
        device_profile=sa.select(profile.c.code).where(profile.c.id == asset.c.device_profile_id).scalar_subquery()))
    with op.batch_alter_table('asset', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_asset_device_profile_id_device_profile'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_asset_device_profile_id'))
        batch_op.drop_column('device_profile_id')

    op.drop_table('device_profile')
