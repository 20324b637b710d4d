"""Slowing down token guessing: failed authentications counted per client address.

A wrong, revoked or expired token, or an Authorization header that is not a bearer token
at all, counts one failure for the address it came from. Past COMPTOIR_API_AUTH_FAILURE_RATE
failures (default 20 per 10 minutes) every call from that address carrying an
Authorization header is refused with a 429, *even with a valid token*, until the oldest
counted failure leaves the window: otherwise a guesser would learn that a guess was right
by the first answer that is not a 429. Successes neither count nor wipe the count, so a
valid token cannot be used to reset it between guesses.

The counts live in the cache the per-token throttle uses (the database, or Redis), so
every process and machine of the instance counts together.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest
from ninja.throttling import SimpleRateThrottle


def client_ip(request: HttpRequest) -> str:
    """The caller's address: REMOTE_ADDR, unless COMPTOIR_PROXY_COUNT says how many
    trusted proxies append to X-Forwarded-For; then the address the outermost of them
    saw. Entries further left are the client's own claims and are never believed."""
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    proxies = int(getattr(settings, "COMPTOIR_PROXY_COUNT", 0) or 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded:
        return remote
    hops = [hop.strip() for hop in forwarded.split(",")]
    candidate = hops[-min(proxies, len(hops))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


class AuthFailureThrottle(SimpleRateThrottle):
    """A sliding window of failure times per address, in the shared cache.

    Read and written without a lock, like ninja's own throttle: two processes failing at
    the same instant may count one failure instead of two, which only delays a block by
    a guess or so.
    """

    scope = "comptoir-api-authfail"

    def __init__(self) -> None:
        self.rate = None
        self.num_requests = self.duration = None

    def _configure(self) -> bool:
        self.rate = getattr(settings, "COMPTOIR_API_AUTH_FAILURE_RATE", "20/10min") or None
        if self.rate is None:
            return False
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return True

    def get_cache_key(self, request: HttpRequest) -> str:
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request)}

    def _recent(self, key: str) -> list[float]:
        now = self.timer()
        history = self.cache.get(key, [])
        return [t for t in history if t > now - self.duration]

    def blocked_for(self, request: HttpRequest) -> float | None:
        """Seconds until this address may try again, None when it may now."""
        if not self._configure():
            return None
        history = self._recent(self.get_cache_key(request))
        if len(history) < self.num_requests:
            return None
        oldest = sorted(history, reverse=True)[self.num_requests - 1]
        return max(1.0, self.duration - (self.timer() - oldest))

    def record(self, request: HttpRequest) -> None:
        """One more failure from this address (only the latest `num_requests` are kept)."""
        if not self._configure():
            return
        key = self.get_cache_key(request)
        history = [self.timer(), *self._recent(key)][: self.num_requests]
        self.cache.set(key, history, self.duration)


auth_failures = AuthFailureThrottle()
