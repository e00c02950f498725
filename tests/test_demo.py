"""`make demo`'s real path: schema, every manifest boundary layer, both sample files, search index."""

import dataclasses

import sqlalchemy as sa

from assetmap import db
from assetmap.areas.manifest import load_manifest
from assetmap.coverage import coverage_table
from assetmap.demo import prepare_demo
from assetmap.models import Activity, Area
from assetmap.search import SearchParams, search_activities


def test_demo_builds_a_searchable_directory_from_nothing(settings, tmp_path):
    demo_settings = dataclasses.replace(settings, database_url=f"sqlite:///{tmp_path / 'demo.db'}", index_dir=str(tmp_path / "index"))
    lines = []
    prepare_demo(demo_settings, echo=lines.append)
    engine = db.make_engine(demo_settings.database_url)
    with db.make_sessionmaker(engine)() as session:
        kinds = dict(session.execute(sa.select(Area.kind, sa.func.count()).where(Area.geom.is_not(None)).group_by(Area.kind)).all())
        assert kinds == {"ward": 7026, "lad": 309, "stp": 42, "icb": 42}
        placed = session.scalar(sa.select(sa.func.count()).select_from(Activity).where(Activity.lad_code == "E08000009"))
        assert placed >= 300  # Trafford
        results = search_activities(session, demo_settings, SearchParams(text="something for my breathing", near="M33 7XW"))
        assert results.total > 0 and "lung-health" in results.hits[0].activity.categories
        trafford = {row.code: row for row in coverage_table(session, demo_settings, level="lad", within="E54000057")}["E08000009"]
        assert trafford.activities >= 300 and trafford.population > 200_000 and trafford.imd_score is not None
    engine.dispose()
    assert any(line.startswith("Search index:") for line in lines)
    assert len(load_manifest(demo_settings)) == 5
