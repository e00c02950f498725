"""The Open Referral UK (HSDS-UK 3.0) feed: the directory published in the standard other directories read.

Pure builders turn activities, organisations and their verification history into ORUK dicts
(``build``, ``schedules``), every id a UUID that stays the same across re-imports of the same
source (``ids``); ``query`` picks what is published and pages through it with SQL, loading each
page's children in bulk. The web blueprint (``assetmap.web.openreferral``) only parses arguments
and writes responses.

Published: what the public pages show — active and paused records (paused as "temporarily
closed"), one record per group of linked duplicates, events not yet ended; each with its place,
schedule, ward and ICB, categories, public e-mail, phone and website, and when it was last
checked. Never published: editor notes and the audit trail, raw rows, contact names,
organisations' own e-mail and phone (kept for reminders), flags, closed and hidden records, and
who checked a record (``assurer_email`` is the directory's public address when one is set).
"""

from assetmap.openreferral.build import API_VERSION, PROFILE_URL, envelope

__all__ = ["API_VERSION", "PROFILE_URL", "envelope"]
