"""Alembic runs migrations on the engine assetmap hands it (see ``db.create_schema``).

For autogenerate (``alembic check``, ``revision --autogenerate``) GeoAlchemy2's helpers render
geometry columns and spatial indexes as its own operations, and only assetmap's tables are
compared: not the spatial extensions' metadata tables, nor the PostgreSQL search tables that
``search/pg_backend.py`` keeps outside Alembic.
"""

from alembic import context
from geoalchemy2 import alembic_helpers

from assetmap.models import Base

NOT_OURS = {
    "spatial_ref_sys", "spatial_ref_sys_aux", "spatialite_history", "data_licenses", "sql_statements_log",
    "SpatialIndex", "KNN", "KNN2", "ElementaryGeometries", "activity_search", "search_word",
}
NOT_OURS_PREFIXES = ("idx_", "geometry_columns", "views_", "virts_", "sqlite_", "assetmap_")


def include_object(obj, name, type_, reflected, compare_to):
    if type_ == "table" and (name in NOT_OURS or name.startswith(NOT_OURS_PREFIXES)):
        return False
    return alembic_helpers.include_object(obj, name, type_, reflected, compare_to)


engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,
        include_object=include_object,
        render_item=alembic_helpers.render_item,
        process_revision_directives=alembic_helpers.writer,
    )
    context.run_migrations()
