"""A test hook: make a process pause or kill itself at a named stage, so fault tests can hit exact moments.

Set ``ASSETMAP_TEST_HOOK`` to ``STAGE:ACTION`` (several separated by commas). Stages are
``before_commit`` (every write done, the database not yet committed) and ``after_commit`` (committed,
the search index not yet caught up). ``kill`` sends the process SIGKILL, as a power cut would;
``pause`` prints ``paused at STAGE`` on stderr and sleeps, so a test can send a signal at that moment.
Empty (the default) does nothing; never set it on a live directory.
"""

from __future__ import annotations

import os
import signal
import sys
import time

from assetmap.config import Settings

PAUSE_S = 300.0   # long enough for a slow test to act; a test always ends the process


def pause_or_die(settings: Settings, stage: str) -> None:
    """Act on the hook for ``stage`` if ``settings.test_hook`` names it; otherwise return at once."""
    for item in filter(None, (part.strip() for part in settings.test_hook.split(","))):
        name, _, action = item.partition(":")
        if name != stage:
            continue
        if action == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        elif action == "pause":
            print(f"paused at {stage}", file=sys.stderr, flush=True)
            time.sleep(PAUSE_S)
