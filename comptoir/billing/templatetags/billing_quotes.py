"""The quotes panel of the agents' ticket page."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def ticket_quotes_panel(context) -> str:
    return ""


@register.simple_tag(takes_context=True)
def portal_quotes_panel(context) -> str:
    return ""
