"""Comptoir: a multi-tenant service desk."""
