"""``area_fingerprint``: reused while nothing is written, changed by any write to the areas, whoever makes it."""

import sqlalchemy as sa
from sqlalchemy.orm import Session

from assetmap.areas.queries import area_fingerprint
from assetmap.models import Area

VINTAGE = "fingerprint-test"


def test_fingerprint_is_reused_until_the_areas_change_by_any_connection(engine):
    queries = []

    def count(_conn, _cursor, statement, *_args):
        if "sum(length(area.name))" in statement:
            queries.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        with engine.connect() as connection, Session(bind=connection) as reader, Session(engine) as writer:   # the memo is the connection's
            first = area_fingerprint(reader)
            reader.commit()
            assert area_fingerprint(reader) == first and len(queries) == 1   # nothing written: the table is not read again
            writer.add(Area(kind="ward", code="E05999990", name="Testward", vintage=VINTAGE, is_current=False))
            writer.commit()
            added = area_fingerprint(reader)
            assert added != first and len(queries) == 2                   # another connection wrote
            reader.commit()
            reader.execute(sa.update(Area).where(Area.vintage == VINTAGE).values(name="Testward Renamed"))
            assert area_fingerprint(reader) != added                       # this connection renamed it, not yet committed
            reader.rollback()
            assert area_fingerprint(reader) == added                       # rolled back: as before, never a memo of what was undone
            reader.commit()
            writer.execute(sa.update(Area).where(Area.vintage == VINTAGE).values(is_current=True))
            writer.commit()
            assert area_fingerprint(reader) != added                       # made current elsewhere
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
        with engine.begin() as conn:
            conn.execute(sa.delete(Area).where(Area.vintage == VINTAGE))
