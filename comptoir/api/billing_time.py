"""Billing in the API: time."""

from ninja import Router

router = Router(tags=["billing"])
