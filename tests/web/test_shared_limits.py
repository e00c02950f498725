"""Several web servers share one Redis for rate limits and sign-in lockouts, and keep answering when it is gone.

Each test runs two apps made by ``create_app`` on one database and one throw-away Redis server
(the ``redis_server`` fixture), as two gunicorn machines behind one proxy would be.
"""

import logging
import socket
import time

import pytest
import redis

from assetmap import users
from assetmap.web import create_app, security

from ..conftest import FIXED_NOW
from ..factories import private_copy
from .test_review import ADMIN, EDITOR, sign_in

SEARCH = "/api/activities?q=walk"


@pytest.fixture
def two_servers(web_settings, tmp_path):
    """``make(storage_uri, **settings)``: two apps on one private database, sharing ``storage_uri``."""
    apps = []

    def make(storage_uri, **overrides):
        settings = private_copy(web_settings, tmp_path, ratelimit_storage=storage_uri, **overrides)
        pair = create_app(settings), create_app(settings)
        with pair[0].extensions["assetmap"]["sessions"].begin() as session:
            users.add_user(session, *EDITOR, "editor", FIXED_NOW)
            users.add_user(session, *ADMIN, "admin", FIXED_NOW)
        apps.extend(pair)
        return pair

    yield make
    for app in apps:
        app.extensions["assetmap"]["engine"].dispose()


def _keys(server) -> list[bytes]:
    with redis.Redis.from_url(server.url) as client:
        return client.keys("*")


def test_searches_on_one_server_count_against_the_limit_on_the_other(two_servers, redis_server):
    one, two = (app.test_client() for app in two_servers(redis_server.url, ratelimit_search="3 per minute"))
    assert [one.get(SEARCH).status_code, two.get(SEARCH).status_code, one.get(SEARCH).status_code] == [200, 200, 200]
    assert two.get(SEARCH).status_code == 429 and one.get(SEARCH).status_code == 429
    assert two.get("/?q=walk").status_code == 200   # the page and the API are limited apart
    assert _keys(redis_server), "the counts should be in Redis"


def test_each_server_counts_alone_with_memory_storage(two_servers):
    """The contrast: ``memory://`` is right for one process only, which is what the shared storage fixes."""
    one, two = (app.test_client() for app in two_servers("memory://", ratelimit_search="2 per minute"))
    assert [one.get(SEARCH).status_code for _ in range(3)] == [200, 200, 429]
    assert [two.get(SEARCH).status_code for _ in range(2)] == [200, 200]


def test_sign_in_attempts_are_counted_across_servers(two_servers, redis_server):
    one, two = (app.test_client() for app in two_servers(redis_server.url, ratelimit_login="3 per minute", lockout_address="100 per minute"))
    assert [sign_in(one, EDITOR[0], "wrong").status_code, sign_in(two, EDITOR[0], "wrong").status_code] == [401, 401]
    assert sign_in(one, *ADMIN).status_code == 302
    assert sign_in(two, *ADMIN).status_code == 429 and sign_in(one, *ADMIN).status_code == 429


def test_an_account_locked_on_one_server_is_locked_on_the_other(two_servers, redis_server):
    one, two = (app.test_client() for app in two_servers(redis_server.url, lockout_account="3 per 15 minutes"))
    assert [sign_in(client, EDITOR[0], "guess").status_code for client in (one, two, one)] == [401, 401, 401]
    locked = sign_in(two, *EDITOR)
    assert locked.status_code == 429 and "This account is locked" in locked.get_data(as_text=True)
    assert sign_in(one, *EDITOR).status_code == 429
    assert sign_in(two, *ADMIN).status_code == 302   # other accounts are not locked


def test_a_sign_in_on_one_server_clears_the_failures_counted_on_the_other(two_servers, redis_server):
    one, two = (app.test_client() for app in two_servers(redis_server.url, lockout_account="3 per 15 minutes"))
    assert [sign_in(one, EDITOR[0], "wrong").status_code for _ in range(2)] == [401, 401]
    assert sign_in(two, *EDITOR).status_code == 302
    fresh = one.application.test_client()
    assert [sign_in(fresh, EDITOR[0], "wrong").status_code for _ in range(2)] == [401, 401]
    assert sign_in(fresh, *EDITOR).status_code == 302


def test_an_address_locked_on_one_server_is_locked_on_the_other(two_servers, redis_server):
    one, two = (app.test_client() for app in two_servers(redis_server.url, lockout_address="2 per 15 minutes"))
    assert sign_in(one, "someone@example.org", "wrong").status_code == 401
    assert sign_in(two, "someone.else@example.org", "wrong").status_code == 401
    refused = sign_in(one, *ADMIN)
    assert refused.status_code == 429 and "Too many failed sign-ins from your address" in refused.get_data(as_text=True)


def _still_answers(client):
    """The pages, searches, sign-in and /healthz all work, whatever the rate-limit storage is doing."""
    assert client.get("/").status_code == 200
    assert client.get(SEARCH).status_code == 200
    health = client.get("/healthz")
    assert health.status_code == 200 and health.get_json() == {"database": "ok", "index": "ok"}
    assert sign_in(client, EDITOR[0], "wrong").status_code == 401
    assert sign_in(client, *EDITOR).status_code == 302


def test_a_storage_down_at_start_leaves_the_site_answering_and_limiting_in_each_process(two_servers, redis_server, caplog):
    redis_server.stop()
    one, two = (app.test_client() for app in two_servers(redis_server.url, ratelimit_search="3 per minute",
                                                         ratelimit_login="20 per minute", lockout_account="3 per 15 minutes"))
    with caplog.at_level(logging.WARNING):
        _still_answers(one)
    assert "storage unreachable" in caplog.text
    assert [one.get(SEARCH).status_code for _ in range(3)] == [200, 200, 429]   # 1 in _still_answers: limits still hold, per process
    assert two.get(SEARCH).status_code == 200
    assert [sign_in(two, ADMIN[0], "guess").status_code for _ in range(3)] == [401, 401, 401]
    assert sign_in(two, *ADMIN).status_code == 429   # lockout still holds, per process


def test_a_storage_that_stops_during_requests_leaves_the_site_answering_then_is_used_again(two_servers, redis_server):
    one, two = (app.test_client() for app in two_servers(redis_server.url, ratelimit_search="100 per minute", ratelimit_login="20 per minute"))
    assert one.get(SEARCH).status_code == 200 and _keys(redis_server)
    redis_server.stop()
    _still_answers(one)
    _still_answers(two)
    redis_server.start()   # empty, on the same port: Flask-Limiter checks it again after 1, 2, 4... at most 32 s (usually a second or two here)
    deadline = time.monotonic() + 40
    while not _keys(redis_server):
        assert time.monotonic() < deadline, "the limiter never went back to the shared storage"
        assert one.get(SEARCH).status_code == 200
        time.sleep(0.2)


@pytest.fixture
def silent_server():
    """A port that accepts connections and never answers: a hung Redis, or one behind a broken network."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        yield f"redis://127.0.0.1:{sock.getsockname()[1]}"


def test_a_hung_storage_costs_at_most_its_timeout_not_a_hung_request(two_servers, silent_server):
    one, _ = (app.test_client() for app in two_servers(silent_server, ratelimit_search="100 per minute"))
    started = time.monotonic()
    assert one.get(SEARCH).status_code == 200
    assert time.monotonic() - started < 4 * security.STORAGE_TIMEOUT_S + 1
    started = time.monotonic()
    for _ in range(10):
        assert one.get(SEARCH).status_code == 200   # counted in memory now, the storage only tried again now and then
    assert time.monotonic() - started < 6 * security.STORAGE_TIMEOUT_S   # waiting every time would be 10 x the timeout


def test_the_sign_in_guard_waits_before_trying_a_failed_storage_again(web_settings, redis_server, tmp_path):
    """Without a route limit to notice first, the guard itself falls back, then retries after ``RETRY_STORAGE_S``."""
    now = [0.0]
    app = create_app(private_copy(web_settings, tmp_path, ratelimit_storage=redis_server.url))
    try:
        guard = security.SignInGuard(app.extensions["assetmap"]["signin_guard"].limiter, web_settings, "key", clock=lambda: now[0])
        guard.failed("a@example.org", "192.0.2.1")
        assert _keys(redis_server)
        redis_server.stop()
        guard.failed("a@example.org", "192.0.2.1")   # into this process's memory
        assert guard._strategy() is guard.local
        redis_server.start()
        now[0] += security.RETRY_STORAGE_S + 1
        assert guard._strategy() is not guard.local
        guard.failed("b@example.org", "192.0.2.2")
        assert _keys(redis_server)
    finally:
        app.extensions["assetmap"]["engine"].dispose()


def test_storage_options_set_redis_timeouts_and_nothing_for_memory():
    assert security.storage_options("memory://") == {"wrap_exceptions": True}
    options = security.storage_options("redis://cache.internal:6379/2")
    assert options["socket_timeout"] == options["socket_connect_timeout"] == security.STORAGE_TIMEOUT_S
