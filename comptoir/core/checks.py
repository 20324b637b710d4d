"""A deployment check (`comptoir check --deploy`): the HTTPS redirect behind a TLS proxy.

`comptoir serve` speaks plain HTTP only, so an https:// instance always has a proxy in
front that terminates TLS. Unless Django trusts the proxy's X-Forwarded-Proto
(COMPTOIR_PROXY_SSL_HEADER), every request reaching it looks like plain HTTP and
SECURE_SSL_REDIRECT would send the browser back to the same https:// address forever.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def ssl_redirect_sees_https(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    if not settings.SECURE_SSL_REDIRECT or getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        return []
    return [
        Warning(
            "SECURE_SSL_REDIRECT is on but no proxy header is trusted: behind a TLS proxy "
            "every request would be redirected to itself.",
            hint="Set COMPTOIR_PROXY_SSL_HEADER=on (the proxy must set X-Forwarded-Proto), "
            "or COMPTOIR_SSL_REDIRECT=off when the proxy redirects HTTP itself and cannot "
            "send that header; see docs/deploy.md.",
            id="comptoir.W002",
        )
    ]
