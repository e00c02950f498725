"""What keeps the public site safe to run in front of anyone: headers, request sizes, rate limits, sign-in lockout.

- Every response carries a Content-Security-Policy that allows no inline script (the templates have
  none), forbids framing, and sets the referrer and permissions policies; HSTS too when
  ``ASSETMAP_HTTPS`` is set.
- Request bodies are capped (``ASSETMAP_MAX_REQUEST_BYTES``; 413 past it); the admin's spreadsheet
  upload raises its own cap for that one request.
- Behind ``ASSETMAP_PROXY_COUNT`` reverse proxies, the client's address and scheme come from their
  ``X-Forwarded-*`` headers (werkzeug's ProxyFix), never from more hops than that.
- Flask-Limiter counts searches (page and API), problem reports and sign-ins per address, in
  ``ASSETMAP_RATELIMIT_STORAGE`` (memory for one process, Redis so several servers share the
  counts). A breach is a 429: JSON under /api/, a plain page elsewhere (``errors``).
- ``SignInGuard`` locks an account, or an address, after repeated failed sign-ins, in the same storage.
- A storage that is down or hung never takes the site down: each call to it gives up after
  ``STORAGE_TIMEOUT_S``, and the counts carry on in this process's memory (each server counting
  alone, as with ``memory://``) until the storage answers again; it is not part of ``/healthz``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import logging
import time
from urllib.parse import urlsplit

from flask import Flask, request
from flask_limiter import Limiter
from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter, RateLimiter
from werkzeug.middleware.proxy_fix import ProxyFix

from assetmap.config import Settings
from assetmap.errors import AssetmapError

log = logging.getLogger(__name__)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
HSTS = "max-age=31536000; includeSubDomains"


@dataclasses.dataclass(frozen=True)
class RouteLimit:
    """One endpoint's limit: the setting holding it, which methods count, and what the person is told."""

    endpoint: str
    setting: str
    methods: tuple[str, ...]
    message: str


SEARCH_MESSAGE = "Too many searches from your address in a short time. Please wait a minute and try again."
EXPORT_MESSAGE = "Too many downloads from your address in a short time. Please wait a minute and try again."
ROUTE_LIMITS = (
    RouteLimit("public.search_page", "ratelimit_search", ("GET", "HEAD"), SEARCH_MESSAGE),
    RouteLimit("api.activities", "ratelimit_search", ("GET", "HEAD"), SEARCH_MESSAGE),
    RouteLimit("api.activities_geojson", "ratelimit_search", ("GET", "HEAD"), SEARCH_MESSAGE),
    *(RouteLimit(endpoint, "ratelimit_export", ("GET", "HEAD"), EXPORT_MESSAGE) for endpoint in (
        "api.activities_csv", "api.activities_ics", "coverage.coverage_page", "coverage.coverage_csv_download",
        "coverage.coverage_geojson_download", "coverage.coverage_api")),
    RouteLimit("reports.report_page", "ratelimit_report", ("POST",),
               "Too many reports from your address in a short time. Please try again later, or ring the organiser."),
    RouteLimit("auth.login", "ratelimit_login", ("POST",), "Too many sign-in attempts from your address. Please wait a minute and try again."),
)


UPLOAD_ENDPOINTS = frozenset({"admin.upload"})   # the spreadsheet upload: ASSETMAP_MAX_UPLOAD_BYTES
STORAGE_TIMEOUT_S = 0.5   # a count is one round trip on the local network (under a millisecond); past this the storage is down
RETRY_STORAGE_S = 10      # the sign-in guard's wait, after a storage failure, before it tries the shared storage again
TIMEOUT_SCHEMES = frozenset({"redis", "rediss", "redis+unix", "valkey", "valkeys", "valkey+unix"})


def init_security(app: Flask, settings: Settings) -> Limiter:
    """Headers, size cap, proxy trust and rate limits; call once every blueprint is registered."""
    app.config["MAX_CONTENT_LENGTH"] = settings.max_request_bytes
    # First of all request hooks: CSRF checking reads the body, so the upload's own cap must be set before it.
    app.before_request_funcs.setdefault(None, []).insert(0, lambda: _raise_upload_cap(settings))
    if settings.proxy_count > 0:
        hops = settings.proxy_count
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_port=0, x_prefix=0)
    app.after_request(security_headers)
    limiter = make_limiter(app, settings.ratelimit_storage)
    for rule in ROUTE_LIMITS:
        value = getattr(settings, rule.setting)
        if value and rule.endpoint in app.view_functions:
            parse_limit(rule.setting, value)
            view = app.view_functions[rule.endpoint]
            app.view_functions[rule.endpoint] = limiter.limit(value, methods=list(rule.methods), error_message=rule.message)(view)
    app.extensions["assetmap"]["signin_guard"] = SignInGuard(limiter, settings, app.config["SECRET_KEY"])
    return limiter


def make_limiter(app: Flask, storage_uri: str) -> Limiter:
    """Counts per client address, in a moving window, in ``storage_uri``; this process's memory while that storage is down.

    ``in_memory_fallback_enabled`` keeps every limit in force (per process) when the storage fails and
    checks it again after 1, 2, 4... 32 seconds; ``swallow_errors`` logs any other storage error instead of
    failing the request: a rate limit is worth less than the page it guards.
    """
    return Limiter(key_func=client_address, app=app, storage_uri=storage_uri, strategy="moving-window", headers_enabled=True,
                   key_prefix="assetmap", storage_options=storage_options(storage_uri), in_memory_fallback_enabled=True, swallow_errors=True)


def storage_options(uri: str) -> dict:
    """Storage errors as one exception type, and Redis calls that give up after ``STORAGE_TIMEOUT_S`` instead of hanging.

    Without a timeout a Redis server that accepts connections but never answers would hang every request.
    Options written in the URI itself (``?socket_timeout=2``) win over these.
    """
    options: dict = {"wrap_exceptions": True}
    if urlsplit(uri).scheme in TIMEOUT_SCHEMES:
        options |= {"socket_connect_timeout": STORAGE_TIMEOUT_S, "socket_timeout": STORAGE_TIMEOUT_S}
    return options


def parse_limit(setting: str, value: str) -> RateLimitItem:
    """A limit such as "300 per minute", or an error naming the environment variable to fix (at start, not at the first request)."""
    try:
        return parse(value)
    except ValueError:
        env = Settings.__dataclass_fields__[setting].metadata["env"]
        raise AssetmapError(f"{env}={value!r} is not a rate limit: write it like '300 per minute' or '5 per 15 minutes'") from None


def _raise_upload_cap(settings: Settings) -> None:
    if request.endpoint in UPLOAD_ENDPOINTS:
        request.max_content_length = settings.max_upload_bytes


def client_address() -> str:
    """The client's address (ProxyFix has already put the proxies' word for it here when configured)."""
    return request.remote_addr or "unknown"


def content_security_policy(tile_url: str) -> str:
    """No inline script or style, nothing from elsewhere but map tiles, no framing, forms only to this site."""
    tile_host = urlsplit(tile_url.replace("{s}", "a")).netloc
    img = "'self' data:" + (f" https://{tile_host}" if tile_host else "")
    return (f"default-src 'self'; script-src 'self'; style-src 'self'; img-src {img}; "
            "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


def security_headers(response):
    from . import get_settings

    settings = get_settings()
    response.headers["Content-Security-Policy"] = content_security_policy(settings.tile_url)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"   # frame-ancestors for browsers that predate it
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = PERMISSIONS_POLICY
    if settings.https:
        response.headers["Strict-Transport-Security"] = HSTS
    return response


class SignInGuard:
    """Failed sign-ins counted per account and per address; past either limit, sign-in is refused until the period ends.

    Counts live in the rate limiter's storage (shared by every server when it is Redis). Accounts are
    keyed by an HMAC of the address, so the storage never holds e-mail addresses. A locked account
    is refused before its password is checked, so guessing stops; a successful sign-in clears the
    account's count. While the storage is down the counts are kept in this process's memory (see
    ``_strategy``): weaker, since each server counts alone, but sign-in keeps working and guessing is still slowed.
    """

    def __init__(self, limiter: Limiter, settings: Settings, secret: str, clock=time.monotonic):
        self.limiter = limiter
        self.per_account = parse_limit("lockout_account", settings.lockout_account)
        self.per_address = parse_limit("lockout_address", settings.lockout_address)
        self.secret = secret.encode()
        self.local = MovingWindowRateLimiter(MemoryStorage())
        self.clock = clock
        self.local_until = float("-inf")

    def _strategy(self) -> RateLimiter:
        """The shared counts, or this process's while the storage was found down in the last ``RETRY_STORAGE_S``."""
        return self.local if self.clock() < self.local_until else self.limiter.limiter

    def _call(self, method: str, *args):
        """One counting call on the shared storage, or, if it fails, on this process's memory."""
        strategy = self._strategy()
        try:
            return getattr(strategy, method)(*args)
        except StorageError:
            if strategy is self.local:
                raise
            log.warning("sign-in lockout: the rate-limit storage is unavailable; counting in this process for %s s", RETRY_STORAGE_S, exc_info=True)
            self.local_until = self.clock() + RETRY_STORAGE_S
            return getattr(self.local, method)(*args)

    def _account(self, email: str) -> str:
        return hmac.new(self.secret, email.strip().lower().encode(), hashlib.sha256).hexdigest()[:32]

    def refusal(self, email: str, address: str) -> str | None:
        """Why this sign-in may not be tried now, or None."""
        if not self._call("test", self.per_address, "signin-address", address):
            return (f"Too many failed sign-ins from your address. Please try again in {_period(self.per_address)}, "
                    "or ask an admin to check your account.")
        if not self._call("test", self.per_account, "signin-account", self._account(email)):
            return (f"This account is locked after too many failed sign-ins. Please try again in {_period(self.per_account)}, "
                    "or ask an admin to check it.")
        return None

    def failed(self, email: str, address: str) -> None:
        self._call("hit", self.per_address, "signin-address", address)
        self._call("hit", self.per_account, "signin-account", self._account(email))

    def succeeded(self, email: str) -> None:
        self._call("clear", self.per_account, "signin-account", self._account(email))


def _period(item: RateLimitItem) -> str:
    """'15 minutes', 'an hour': the lockout period in words."""
    unit = item.GRANULARITY.name
    if item.multiples == 1:
        return f"an {unit}" if unit == "hour" else f"a {unit}"
    return f"{item.multiples} {unit}s"
