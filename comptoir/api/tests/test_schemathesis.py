"""Property-based run over the whole OpenAPI schema: no input may crash the API (5xx) and no
response may contradict the schema. The app runs in-process through WSGI, inside the test's
transaction, as an agent and as a customer with tokens of the `world` fixture. Every other
example aims its path parameters at real objects (a ticket of the customer, people, sites,
a CI), so reads answer 200 and writes reach the actions instead of stopping at a 404.

Bounded: 100 examples per operation and role (200 per operation), a few minutes on SQLite;
raise COMPTOIR_SCHEMATHESIS_EXAMPLES for a longer run.
"""

from __future__ import annotations

import itertools
import os

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from comptoir.api.actions import token_create
from comptoir.catalog.models import TicketType
from comptoir.cmdb.models import ConfigurationItem
from comptoir.conftest import category
from comptoir.tickets import actions

EXAMPLES = int(os.environ.get("COMPTOIR_SCHEMATHESIS_EXAMPLES", "100"))
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]

# The schema is exercised once, on SQLite (the bound): in-process WSGI requests end
# with Django closing the connection, which on PostgreSQL with CONN_MAX_AGE=0 is the test's
# own transaction; the endpoints' SQL is the same ORM code on both.
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
        reason="schemathesis runs on the SQLite pass of the suite only",
    ),
]


# Read once at collection: the schema is built from the code, with no database.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@pytest.fixture(autouse=True)
def _no_throttle(settings):
    settings.COMPTOIR_API_RATE = ""  # the throttle would answer 429 long before the end


HYPOTHESIS = hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def real_ids(world) -> dict[str, object]:
    """Path parameter name -> an object both the agent and the customer may see."""
    ticket = actions.ticket_create(
        actor=world.customer,
        desk=world.desks["spt"],
        type=TicketType.objects.get(desk__slug="spt", code="support"),
        category=category("spt", "erp"),
        title="Export en erreur",
        description="Le module Finance refuse l'export.",
    )
    ci = ConfigurationItem.objects.create(site=world.a1, name="Caisse Lyon")
    return {
        "key": ticket.key,
        "desk": "spt",
        "person_id": world.customer.pk,
        "user_id": world.customer.pk,
        "site_id": world.a1.pk,
        "org_id": world.org_a.pk,
        "ci_id": ci.pk,
    }


@pytest.fixture
def aim(real_ids):
    turn = itertools.count()

    def aim(case) -> None:
        if case.path_parameters and next(turn) % 2:
            for name in case.path_parameters:
                if name in real_ids:
                    case.path_parameters[name] = real_ids[name]

    return aim


def bearer(user) -> dict[str, str]:
    _token, secret = token_create(actor=user, name="schemathesis")
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def agent_auth(world) -> dict[str, str]:
    return bearer(world.agent)


@pytest.fixture
def customer_auth(world) -> dict[str, str]:
    return bearer(world.customer)


@schema.parametrize()
@HYPOTHESIS
def test_api_as_an_agent(case, agent_auth, aim):
    aim(case)
    case.call_and_validate(headers=agent_auth, checks=CHECKS)


@schema.parametrize()
@HYPOTHESIS
def test_api_as_a_customer(case, customer_auth, aim):
    aim(case)
    case.call_and_validate(headers=customer_auth, checks=CHECKS)
