"""Billing in the API: statements."""

from ninja import Router

router = Router(tags=["billing"])
