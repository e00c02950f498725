"""What every browser test needs: an app served on a free loopback port, and axe's serious findings on a page."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from werkzeug.serving import make_server


@contextlib.contextmanager
def served(app) -> Iterator[str]:
    """The app on a thread at ``http://127.0.0.1:<free port>``; stopped and its database connections closed after."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        app.extensions["assetmap"]["engine"].dispose()


def serious_violations(page) -> list[str]:
    """axe-core from the app's own static folder (the page's policy forbids injected inline scripts).

    Each finding names up to three of the elements it was found on, so a failing test says where to look.
    """
    page.add_script_tag(url="/static/vendor/axe.min.js")
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']}: {v['help']} ({[n['target'] for n in v['nodes']][:3]})" for v in result["violations"]
            if v["impact"] in ("serious", "critical")]
