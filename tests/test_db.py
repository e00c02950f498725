import pytest

from assetmap import db


def test_missing_spatialite_extension_names_the_package(monkeypatch, tmp_path):
    monkeypatch.setenv("SPATIALITE_LIBRARY_PATH", "/nonexistent/mod_spatialite")
    with pytest.raises(db.SpatialiteNotFound, match="apt-get install libsqlite3-mod-spatialite"):
        db.make_engine(f"sqlite:///{tmp_path / 'x.db'}")


def test_schema_creation_is_idempotent(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    db.create_schema(engine)
    db.create_schema(engine)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == _head(engine)


def _head(engine) -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(db.alembic_config(engine)).get_current_head()


def test_among_selects_the_same_rows_as_in_on_both_backends(any_session):
    import sqlalchemy as sa

    from assetmap.models import Activity
    from tests.factories import make_activity

    any_session.add_all([make_activity(id=f"among-{i}", name=f"Group {i}") for i in range(5)])
    any_session.flush()
    for wanted in (["among-1", "among-3", "nowhere"], [], [f"among-{i}" for i in range(5)]):
        found = any_session.scalars(sa.select(Activity.id).where(db.among(any_session, Activity.id, wanted))).all()
        assert sorted(found) == sorted(w for w in wanted if w != "nowhere")
