"""The per-test databases (tests/databases.py): whatever one test writes, the next starts from the
template's rows and id sequences. On PostgreSQL this is the reset of a reused database, so it is
tested with the writes a test makes: inserts, updates, deletes, and an insert rolled back."""

from __future__ import annotations

import sqlalchemy as sa


def _contents(url: str) -> dict[str, list[tuple]]:
    """Every table's rows, sorted (a reset may put them back in another physical order)."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        tables = sorted(sa.inspect(connection).get_table_names())
        contents = {name: sorted(tuple(map(repr, row)) for row in connection.exec_driver_sql(f'SELECT * FROM "{name}"'))
                    for name in tables}
    engine.dispose()
    return contents


def _write_like_a_test(url: str) -> None:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO department (code, name, active, version, created_at, updated_at) "
                                   "VALUES ('TST', 'Testing', true, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
        connection.execute(sa.text("UPDATE control SET title = 'Changed by a test' WHERE reference = '8.8'"))
        connection.execute(sa.text("DELETE FROM product WHERE id IN (SELECT id FROM product ORDER BY id LIMIT 3)"))
    with engine.connect() as connection:
        connection.execute(sa.text("INSERT INTO department (code, name, active, version, created_at, updated_at) "
                                   "VALUES ('GONE', 'Rolled back', true, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
        connection.rollback()
    engine.dispose()


def _next_department_id(url: str) -> int:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as connection:
        new_id = connection.execute(sa.text(
            "INSERT INTO department (code, name, active, version, created_at, updated_at) "
            "VALUES ('NEW', 'New', true, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) RETURNING id")).scalar_one()
    engine.dispose()
    return new_id


def test_each_test_starts_from_what_the_migrations_leave(databases, migrated_template, tmp_path):
    first = databases.fresh(migrated_template, tmp_path)
    migrated = _contents(first)
    expected_department_id = len(migrated["department"]) + 1  # the migrations add no department
    _write_like_a_test(first)
    assert _contents(first) != migrated
    databases.discard(first)

    (tmp_path / "next").mkdir()
    following = databases.fresh(migrated_template, tmp_path / "next")

    assert _contents(following) == migrated
    assert _next_department_id(following) == expected_department_id  # the rolled-back insert's id is free again
    databases.discard(following)


def test_each_test_asking_for_the_demo_starts_from_the_seeded_demo(databases, seeded_template, tmp_path):
    first = databases.fresh(seeded_template, tmp_path)
    seeded = _contents(first)
    assert seeded["department"] and seeded["risk"]
    _write_like_a_test(first)
    engine = sa.create_engine(first, poolclass=sa.pool.NullPool)
    with engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM risk_rating_change"))
        connection.execute(sa.text("UPDATE asset SET name = 'Renamed by a test'"))
    engine.dispose()
    databases.discard(first)

    (tmp_path / "next").mkdir()
    following = databases.fresh(seeded_template, tmp_path / "next")

    assert _contents(following) == seeded
    databases.discard(following)
