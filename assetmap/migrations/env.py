"""Alembic runs migrations on the engine assetmap hands it (see ``db.create_schema``)."""

from alembic import context

from assetmap.models import Base

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    context.run_migrations()
