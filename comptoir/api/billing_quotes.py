"""Billing in the API: quotes."""

from ninja import Router

router = Router(tags=["billing"])
