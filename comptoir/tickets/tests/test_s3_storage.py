"""Attachments on S3-compatible storage (docs/decisions/0007-attachment-storage.md).

A real S3 HTTP endpoint (moto's server on a loopback port), the storage built by the same
`attachment_storage()` that reads the production environment, the real actions and the
real download view: the object lands in the bucket, private, and a download still goes
through the permission check. Skipped with a printed reason when moto's server cannot start.
"""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import default_storage
from django.test import Client

from comptoir.core.errors import InvalidInput
from comptoir.settings import attachment_storage
from comptoir.tickets import actions
from comptoir.tickets.models import Attachment, Ticket
from comptoir.tickets.tests.helpers import file_ticket, upload

REGION = "eu-west-3"
KEY_ID, SECRET = "comptoir-test-key", "comptoir-test-secret"  # moto accepts any keys


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server on a free loopback port, for this module's tests."""
    try:
        from moto.server import ThreadedMotoServer

        port = _free_port()
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
    except Exception as exc:  # any reason at all is a reason to skip
        pytest.skip(f"moto's S3 server cannot start: {exc!r}")
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError as exc:
            if time.monotonic() > deadline:
                server.stop()
                pytest.skip(f"moto's S3 server did not answer on 127.0.0.1:{port}: {exc!r}")
            time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.stop()


def s3_env(endpoint: str, bucket: str) -> dict[str, str]:
    """The environment an operator would set (README, docs/deploy.md)."""
    return {
        "COMPTOIR_S3_BUCKET": bucket,
        "COMPTOIR_S3_ENDPOINT_URL": endpoint,
        "COMPTOIR_S3_REGION": REGION,
        "COMPTOIR_S3_ACCESS_KEY_ID": KEY_ID,
        "COMPTOIR_S3_SECRET_ACCESS_KEY": SECRET,
    }


def s3_client(endpoint: str) -> Any:
    """A boto3 client of our own, to look into the bucket behind the application's back."""
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET,
    )


@pytest.fixture
def bucket(s3_endpoint: str, settings: Any) -> str:
    """A fresh private bucket, and the default storage pointed at it."""
    name = f"comptoir-{uuid.uuid4().hex[:12]}"
    s3_client(s3_endpoint).create_bucket(
        Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    # override_settings resets django.core.files.storage.storages and default_storage.
    settings.STORAGES = {
        **django_settings.STORAGES,
        "default": attachment_storage(s3_env(s3_endpoint, name)),
    }
    return name


def login(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def download(client: Client, att: Attachment) -> tuple[int, bytes]:
    response = client.get(f"/attachments/{att.token}/")
    body = b"".join(response.streaming_content) if response.status_code == 200 else b""
    return response.status_code, body


def local_files() -> list[Path]:
    media = Path(django_settings.MEDIA_ROOT)
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def test_agent_attachment_lands_in_the_bucket_and_downloads_through_the_app(
    world: Any, s3_endpoint: str, bucket: str
) -> None:
    ticket = file_ticket(world.customer)
    # Larger than the 2 MB the storage keeps in memory: the spooled-to-disk path too.
    data = os.urandom(2 * 1024 * 1024 + 321)
    [att] = actions.ticket_attach(
        actor=world.agent, ticket=ticket, files=[upload("journal serveur.log", data)]
    )
    att.refresh_from_db()
    assert att.size == len(data)
    assert att.file.name == f"attachments/{ticket.organisation_id}/{ticket.pk}/{att.token}"

    s3 = s3_client(s3_endpoint)
    assert s3.get_object(Bucket=bucket, Key=att.file.name)["Body"].read() == data
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == [att.file.name]
    assert local_files() == []  # nothing written under MEDIA_ROOT
    # Private: the owner's grant only, nothing for AllUsers / AuthenticatedUsers.
    grants = s3.get_object_acl(Bucket=bucket, Key=att.file.name)["Grants"]
    assert [(g["Grantee"]["Type"], g["Permission"]) for g in grants] == [
        ("CanonicalUser", "FULL_CONTROL")
    ]

    response = login(world.customer).get(f"/attachments/{att.token}/")
    assert response.status_code == 200  # streamed by the app, not a redirect to the bucket
    assert b"".join(response.streaming_content) == data
    assert response["Content-Length"] == str(len(data))
    assert response["Content-Type"] == "application/octet-stream"
    assert "journal serveur.log" in response["Content-Disposition"]

    assert download(login(world.outsider), att) == (404, b"")  # another tenant
    assert download(Client(), att)[0] == 302  # anonymous: to the login page


def test_internal_attachment_on_s3_is_refused_to_the_customer(
    world: Any, s3_endpoint: str, bucket: str
) -> None:
    ticket = file_ticket(world.customer)
    [att] = actions.ticket_attach(
        actor=world.agent, ticket=ticket, files=[upload("notes.txt", b"interne")], internal=True
    )
    key = Attachment.objects.get(pk=att.pk).file.name
    assert s3_client(s3_endpoint).get_object(Bucket=bucket, Key=key)["Body"].read() == b"interne"
    assert download(login(world.customer), att) == (404, b"")
    assert download(login(world.agent2), att) == (200, b"interne")


def test_customer_upload_with_a_lying_size_is_removed_from_the_bucket(
    world: Any, s3_endpoint: str, bucket: str, settings: Any
) -> None:
    settings.COMPTOIR_MAX_ATTACHMENT_BYTES = 10
    ticket = file_ticket(world.customer)
    version = Ticket.objects.get(pk=ticket.pk).version
    lying = actions.UploadedFile(name="big.bin", content=io.BytesIO(b"x" * 50), size=5)
    with pytest.raises(InvalidInput) as exc:
        actions.ticket_attach(actor=world.customer, ticket=ticket, files=[lying])
    assert exc.value.field == "attachments"
    assert s3_client(s3_endpoint).list_objects_v2(Bucket=bucket)["KeyCount"] == 0
    assert not Attachment.objects.filter(ticket=ticket).exists()
    assert Ticket.objects.get(pk=ticket.pk).version == version


def test_storage_urls_are_signed_and_short_lived(world: Any, bucket: str) -> None:
    url = default_storage.url("attachments/1/2/abc")
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=300" in url


# --- the environment → STORAGES["default"] -----------------------------------------------


def test_no_bucket_keeps_attachments_on_the_local_disk() -> None:
    assert attachment_storage({}) == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert attachment_storage({"COMPTOIR_S3_BUCKET": "  "})["BACKEND"].endswith("FileSystemStorage")


def test_s3_options_from_the_environment() -> None:
    entry = attachment_storage(s3_env("https://s3.example.net", "desk"))
    assert entry["BACKEND"] == "storages.backends.s3.S3Storage"
    opts = entry["OPTIONS"]
    assert (opts["bucket_name"], opts["endpoint_url"], opts["region_name"]) == (
        "desk",
        "https://s3.example.net",
        REGION,
    )
    assert (opts["access_key"], opts["secret_key"]) == (KEY_ID, SECRET)
    assert opts["default_acl"] is None and opts["querystring_auth"] is True
    assert opts["addressing_style"] is None


def test_without_comptoir_keys_boto3_finds_its_own_credentials() -> None:
    opts = attachment_storage({"COMPTOIR_S3_BUCKET": "desk"})["OPTIONS"]
    assert "access_key" not in opts and "secret_key" not in opts
    assert opts["endpoint_url"] is None and opts["region_name"] is None


def test_path_addressing_for_stores_without_virtual_hosts() -> None:
    env = {"COMPTOIR_S3_BUCKET": "desk", "COMPTOIR_S3_ADDRESSING_STYLE": "Path"}
    assert attachment_storage(env)["OPTIONS"]["addressing_style"] == "path"


@pytest.mark.parametrize(
    "env, message",
    [
        ({"COMPTOIR_S3_ADDRESSING_STYLE": "dns"}, "COMPTOIR_S3_ADDRESSING_STYLE"),
        ({"COMPTOIR_S3_ACCESS_KEY_ID": "k"}, "COMPTOIR_S3_SECRET_ACCESS_KEY"),
        ({"COMPTOIR_S3_SECRET_ACCESS_KEY": "s"}, "COMPTOIR_S3_ACCESS_KEY_ID"),
    ],
)
def test_inconsistent_s3_environment_refused_at_start(env: dict[str, str], message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        attachment_storage({"COMPTOIR_S3_BUCKET": "desk", **env})


# --- behind a TLS-terminating proxy ------------------------------------------------------


def _settings_under(env: dict[str, str], tmp_path: Path) -> list[str]:
    """Import the settings in a fresh interpreter with `env`, print what production needs."""
    code = (
        "from comptoir import settings as s;"
        "print(getattr(s, 'SECURE_PROXY_SSL_HEADER', None), s.SESSION_COOKIE_SECURE,"
        " s.CSRF_COOKIE_SECURE, s.STORAGES['default']['BACKEND'])"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("COMPTOIR_")}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "COMPTOIR_VAR_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.split()


def test_defaults_for_the_embedded_instance(tmp_path: Path) -> None:
    assert _settings_under({}, tmp_path) == [
        "None",
        "False",
        "False",
        "django.core.files.storage.FileSystemStorage",
    ]


def test_production_behind_a_proxy(tmp_path: Path) -> None:
    env = {
        "COMPTOIR_SITE_URL": "https://desk.example.com",
        "COMPTOIR_PROXY_SSL_HEADER": "on",
        "COMPTOIR_S3_BUCKET": "desk",
    }
    assert _settings_under(env, tmp_path) == [
        "('HTTP_X_FORWARDED_PROTO',",
        "'https')",
        "True",
        "True",
        "storages.backends.s3.S3Storage",
    ]
    env["COMPTOIR_SECURE_COOKIES"] = "off"
    assert _settings_under(env, tmp_path)[2:4] == ["False", "False"]
