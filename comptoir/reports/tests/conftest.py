"""Reports test fixtures: the generated data set, a manager of one service each, and a
signed-in client per person."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import pytest
from django.test import Client

from comptoir.accounts.models import Role, User
from comptoir.conftest import make_user, member

from .factory import Factory


@pytest.fixture
def login() -> Callable[[User], Client]:
    def make(user: User, language: str = "en") -> Client:
        """The pages in `language` (the person's own choice), English by default so the
        assertions read the messages as written in the code."""
        if user.language != language:
            user.language = language
            user.save(update_fields=["language"])
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def people(world):
    """`dsi`: manager of ENT/DSI only; `sg`: manager of ENT/Services généraux only; the
    world's manager manages every other service but Services généraux."""
    provider = world.provider
    dsi = make_user("dora", Role.SERVICE_MANAGER, organisation=provider, first_name="Dora")
    sg = make_user("sacha", Role.SERVICE_MANAGER, organisation=provider, first_name="Sacha")
    member(dsi, "ent", "dsi", can_manage=True)
    member(sg, "ent", "services-generaux", can_manage=True)
    return SimpleNamespace(dsi=dsi, sg=sg)


@pytest.fixture
def factory(world) -> Factory:
    return Factory(world)


@pytest.fixture
def data(world, people, factory):
    return factory.generate()
