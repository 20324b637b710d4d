"""Who may open which side: the console is for the provider's staff, the portal for
customers. Anyone else gets a 404, as for an object they may not see."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse

View = Callable[..., HttpResponse]


def _gate(allowed: Callable[[object], bool]) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not allowed(request.user):
                raise Http404()
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


staff_required = _gate(lambda u: u.is_staff_member or u.is_admin)
customer_required = _gate(lambda u: u.is_customer)
