"""Every refusal is an RFC 9457 problem, in the caller's language, never a 5xx."""

from __future__ import annotations

import pytest

from comptoir.api.tests.helpers import api_client

pytestmark = pytest.mark.django_db

PROBLEM_KEYS = {"type", "title", "status", "detail", "code"}


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert set(body) >= PROBLEM_KEYS
    assert body["status"] == status
    assert body["type"] == f"urn:comptoir:problem:{body['code']}"
    return body


def test_validation_error_is_422_naming_the_field(world):
    client = api_client(world.customer)
    response = client.post("/api/v1/tickets", {"desk": "spt"}, content_type="application/json")
    body = assert_problem(response, 422)
    assert body["code"] == "validation"
    assert body["field"] in {"type", "category_id", "title", "description"}
    assert {e["field"] for e in body["errors"]} >= {"title", "description"}


def test_malformed_json_and_bad_query_are_4xx(world):
    client = api_client(world.customer)
    broken = client.post("/api/v1/tickets", "{not json", content_type="application/json")
    assert 400 <= broken.status_code < 500
    limit = client.get("/api/v1/tickets?limit=100000")
    assert assert_problem(limit, 422)["field"] == "limit"


def test_unknown_choice_is_400_with_field(world):
    client = api_client(world.customer)
    response = client.post(
        "/api/v1/tickets",
        {"desk": "nope", "type": "x", "category_id": 1, "title": "t", "description": "d"},
        content_type="application/json",
    )
    assert assert_problem(response, 400)["field"] == "desk"


def test_missing_ticket_is_404_problem(world):
    body = assert_problem(api_client(world.customer).get("/api/v1/tickets/NOPE-1"), 404)
    assert body["code"] == "not_found"


def test_unknown_method_is_405_problem(world):
    response = api_client(world.customer).delete("/api/v1/me")
    assert_problem(response, 405)
    assert "GET" in response["Allow"]


def test_problem_is_in_the_callers_language(world):
    # alice speaks French, albert English; no Accept-Language: the person's own language
    fr = api_client(world.customer).get("/api/v1/tickets/NOPE-1").json()
    en = api_client(world.colleague).get("/api/v1/tickets/NOPE-1").json()
    assert en["detail"] == "Not found."
    assert fr["detail"] != en["detail"]  # "Not found." is already translated
    asked = api_client(world.customer).get("/api/v1/tickets/NOPE-1", HTTP_ACCEPT_LANGUAGE="en")
    assert asked.json()["title"] == "Not found"


def test_throttled_per_token_with_retry_after(world, settings):
    settings.COMPTOIR_API_RATE = "3/min"
    first = api_client(world.customer)
    for _ in range(3):
        assert first.get("/api/v1/me").status_code == 200
    response = first.get("/api/v1/me")
    body = assert_problem(response, 429)
    assert body["code"] == "throttled"
    assert int(response["Retry-After"]) > 0
    # another token of the same person has its own budget
    assert api_client(world.customer).get("/api/v1/me").status_code == 200


def test_values_the_database_cannot_hold_are_4xx(world):
    client = api_client(world.customer)
    huge = client.get(f"/api/v1/tickets?desk_id={2**70}")
    assert 400 <= huge.status_code < 500
    nul = client.get("/api/v1/tickets?q=a%00b")
    assert nul.status_code < 500
    body = client.post(
        "/api/v1/tickets",
        {"desk": "spt", "type": "x", "category_id": 2**63, "title": "a\x00", "description": "d"},
        content_type="application/json",
    )
    assert 400 <= body.status_code < 500


def test_session_call_without_csrf_is_refused(world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.customer)
    response = client.post("/api/v1/tickets", {}, content_type="application/json")
    assert assert_problem(response, 403)["code"] == "csrf"


# --- 422: each field named as sent, each message in the caller's language -----------------


def _errors(response) -> dict[str, dict]:
    body = assert_problem(response, 422)
    assert body["code"] == "validation"
    return {e["field"]: e for e in body["errors"]}


def _too_long_ticket(client, **headers):
    return client.post(
        "/api/v1/tickets",
        {"desk": "spt", "type": "support", "category_id": "abc", "title": "x" * 251},
        content_type="application/json",
        **headers,
    )


def test_body_field_errors_in_english(world):
    errors = _errors(_too_long_ticket(api_client(world.customer), HTTP_ACCEPT_LANGUAGE="en"))
    assert set(errors) == {"category_id", "title", "description"}  # not "payload.title"
    assert errors["title"] == {
        "field": "title",
        "in": "body",
        "type": "string_too_long",
        "max_length": 250,
        "detail": "At most 250 characters.",
    }
    assert errors["category_id"]["type"] == "int_parsing"
    assert errors["category_id"]["detail"] == "Must be a whole number."
    assert errors["description"]["type"] == "missing"
    assert errors["description"]["detail"] == "This field is required."


def test_body_field_errors_in_the_persons_french(world):
    # alice speaks French and sends no Accept-Language
    response = _too_long_ticket(api_client(world.customer))
    errors = _errors(response)
    assert errors["title"]["detail"] == "Au plus 250 caractères."
    assert errors["title"]["type"] == "string_too_long"  # the machine field stays English
    assert errors["category_id"]["detail"] == "Doit être un nombre entier."
    assert errors["description"]["detail"] == "Ce champ est obligatoire."
    assert response.json()["detail"] == "Une donnée manque ou est mal formée : category_id."


def test_accept_language_wins_over_the_persons_language(world):
    # albert speaks English; asking for French gets French
    response = _too_long_ticket(api_client(world.colleague), HTTP_ACCEPT_LANGUAGE="fr")
    assert _errors(response)["title"]["detail"] == "Au plus 250 caractères."


def test_query_parameter_errors_name_the_parameter(world):
    client = api_client(world.customer)
    errors = _errors(client.get("/api/v1/tickets?limit=0&mine=maybe", HTTP_ACCEPT_LANGUAGE="en"))
    assert set(errors) == {"limit", "mine"}  # not "filters.limit"
    assert errors["limit"] == {
        "field": "limit",
        "in": "query",
        "type": "greater_than_equal",
        "ge": 1,
        "detail": "Must be 1 or more.",
    }
    assert errors["mine"]["detail"] == "Must be true or false."
    french = _errors(client.get("/api/v1/tickets?limit=101&mine=maybe"))
    assert french["limit"]["detail"] == "Doit valoir 100 ou moins."
    assert french["limit"]["le"] == 100
    assert french["mine"]["detail"] == "Doit valoir true ou false."


def test_path_parameter_errors_name_the_parameter(world):
    client = api_client(world.customer)
    response = client.delete(f"/api/v1/tickets/SPT-1/guests/{2**40}", HTTP_ACCEPT_LANGUAGE="en")
    body = assert_problem(response, 422)
    assert body["field"] == "user_id"
    assert body["errors"] == [
        {
            "field": "user_id",
            "in": "path",
            "type": "less_than_equal",
            "le": 2**31 - 1,
            "detail": f"Must be {2**31 - 1} or less.",
        }
    ]


def test_choice_errors_list_the_accepted_values(world):
    client = api_client(world.customer)
    link = {"target": "SPT-1", "kind": "nope"}
    en = _errors(
        client.post(
            "/api/v1/tickets/SPT-1/links", link, "application/json", HTTP_ACCEPT_LANGUAGE="en"
        )
    )
    assert en["kind"]["type"] == "enum"
    assert en["kind"]["expected"] == ["relates", "references"]
    assert en["kind"]["detail"] == "Must be one of: relates, references."
    fr = _errors(client.post("/api/v1/tickets/SPT-1/links", link, "application/json"))
    assert fr["kind"]["detail"] == "Doit être l'une de ces valeurs : relates, references."


def test_form_and_file_fields_keep_their_names(world):
    client = api_client(world.customer)
    response = client.post(
        "/api/v1/tickets/SPT-1/attachments", {"internal": "maybe"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    errors = _errors(response)
    assert errors["internal"]["in"] == "form"
    assert errors["internal"]["detail"] == "Must be true or false."
    assert errors["file"]["in"] == "file"
    assert errors["file"]["type"] == "missing"


def test_a_missing_body_is_named_as_such(world):
    client = api_client(world.customer)
    response = client.post("/api/v1/tickets", "", content_type="application/json")
    body = assert_problem(response, 422)
    assert "field" not in body
    assert body["detail"] == "Une donnée manque ou est mal formée."
    assert body["errors"] == [
        {"field": None, "in": "body", "type": "missing", "detail": "Un corps JSON est requis."}
    ]


@pytest.mark.parametrize(
    ("error", "english", "french"),
    [
        (
            {"type": "string_too_short", "ctx": {"min_length": 1}},
            "At least 1 character.",
            "Au moins 1 caractère.",
        ),
        (
            {"type": "string_too_short", "ctx": {"min_length": 3}},
            "At least 3 characters.",
            "Au moins 3 caractères.",
        ),
        (
            {"type": "too_long", "ctx": {"field_type": "List", "max_length": 5}},
            "At most 5 items.",
            "Au plus 5 éléments.",
        ),
        (
            {"type": "datetime_from_date_parsing", "ctx": {"error": "input is too short"}},
            "Must be a date and time in ISO 8601 form, e.g. 2026-03-14T09:30:00+01:00.",
            "Doit être une date et une heure au format ISO 8601, "
            "par ex. 2026-03-14T09:30:00+01:00.",
        ),
        (
            {"type": "literal_error", "ctx": {"expected": "'a', 'b' or 'c'"}},
            "Must be one of: a, b, c.",
            "Doit être l'une de ces valeurs : a, b, c.",
        ),
        (
            {"type": "greater_than", "ctx": {"gt": 0}},
            "Must be more than 0.",
            "Doit être supérieur à 0.",
        ),
        (
            {"type": "extra_forbidden"},
            "This field is not accepted here.",
            "Ce champ n'est pas accepté ici.",
        ),
        ({"type": "model_attributes_type"}, "Must be an object.", "Doit être un objet."),
        (
            {"type": "value_error", "ctx": {"error": "bad"}},
            "This value is not accepted.",
            "Cette valeur n'est pas acceptée.",
        ),
        # a type pydantic may add one day: a translated sentence all the same
        (
            {"type": "brand_new_type", "ctx": {"x": 1}},
            "This value is not valid.",
            "Cette valeur n'est pas valide.",
        ),
        # a known type whose ctx lacks its limit: the fallback, not a crash
        (
            {"type": "string_too_long", "ctx": {}},
            "This value is not valid.",
            "Cette valeur n'est pas valide.",
        ),
    ],
)
def test_every_type_has_a_translated_sentence(error, english, french):
    from django.utils import translation

    from comptoir.api.errors import error_entry

    error = {"field": "x", "in": "body", **error}
    with translation.override("en"):
        entry = error_entry(error)
        assert entry["detail"] == english
    with translation.override("fr"):
        assert error_entry(error)["detail"] == french
    assert entry["type"] == error["type"]
    assert "ctx" not in entry  # only the known limits, under their own names


def test_nested_locations_keep_their_tail():
    from comptoir.api.errors import client_location

    class Query:
        __ninja_flatten_map_reverse__ = {("filters", "limit"): ("limit",)}

    class Body:
        __read_from_single_attr__ = "payload"

    assert client_location(Query, ("filters", "limit")) == ("limit",)
    assert client_location(Query, ("filters", "limit", 0)) == ("limit", 0)
    assert client_location(Body, ("payload", "files", 1, "name")) == ("files", 1, "name")
    assert client_location(Body, ("payload",)) == ()


def test_an_error_raised_by_hand_is_read_from_its_loc():
    import json

    from django.utils import translation
    from ninja.errors import ValidationError

    from comptoir.api.errors import validation_problem

    with translation.override("en"):
        response = validation_problem(ValidationError([{"loc": ("query", "q"), "type": "missing"}]))
    body = json.loads(response.content)
    assert body["field"] == "q"
    assert body["errors"] == [
        {"field": "q", "in": "query", "type": "missing", "detail": "This field is required."}
    ]
