"""Exports of activities: pure writers that turn rows into CSV, GeoJSON and iCalendar text, a chunk at a time.

The web layer (``assetmap.web.api``) runs the search and hands each writer an iterator of items;
the writers never touch the database, so a whole directory streams in bounded memory and each
format is tested without a server. ``spreadsheet`` guards every text cell against formula injection,
``geojson`` writes a FeatureCollection feature by feature, ``ical`` turns the typed schedule
(``assetmap.schedule``) into RFC 5545 events with recurrence rules in Europe/London time.
"""
