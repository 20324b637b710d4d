"""Charts drawn on the server as inline SVG with pygal (docs/decisions/0013-charts.md).

The SVG carries no script and fetches nothing: pygal's tooltip script is turned off
(`js=[]`), and an XML filter removes the configuration script pygal always writes and its
comments (which name its web site). Each chart has a <title> and an aria-label, and is
always shown with its data table, which is what a screen reader or a printout reads.

Nor does it carry any style: the Content-Security-Policy allows no inline <style> and no
style attribute. The filter removes the <style> pygal writes into each chart (its rules
scoped to the chart's random id) and its one style attribute; the same rules, scoped to
the charts' class instead, are the static file reports/static/reports/charts.css, made by
`stylesheet()` (a test keeps the file equal to it).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import pygal
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from pygal.style import Style

STYLE = Style(
    background="transparent",
    plot_background="transparent",
    font_family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
    colors=("#1d6fb8", "#2e9e5b", "#d9822b", "#8e44ad", "#c0392b", "#16a085", "#7f8c8d"),
    label_font_size=12,
    major_label_font_size=12,
    legend_font_size=13,
    title_font_size=15,
    value_font_size=11,
)
KINDS = {
    "bar": pygal.Bar,
    "hbar": pygal.HorizontalBar,
    "line": pygal.Line,
    "stacked": pygal.StackedBar,
}


# What scopes the static rules: every chart's <svg> has pygal's class.
CSS_SCOPE = "svg.pygal-chart"
# pygal's tooltip group is hidden by a style attribute, which the filter drops.
EXTRA_CSS = f"{CSS_SCOPE} .tooltip{{opacity:0}}"


def _strip(root):
    """Drop every <script>, <style> and comment, and every style attribute: the page must
    run no code, name no host and take its rules from the static stylesheet."""
    for parent in list(root.iter()):
        if not isinstance(parent.tag, str):
            continue
        parent.attrib.pop("style", None)
        for child in list(parent):
            tag = child.tag if isinstance(child.tag, str) else ""
            if tag.endswith(("script", "style")) or not isinstance(child.tag, str):
                parent.remove(child)
    return root


def stylesheet() -> str:
    """The rules pygal writes into a chart drawn with STYLE, with one colour per series up
    to STYLE's last, scoped to CSS_SCOPE: the content of reports/charts.css.

    The rules do not depend on the kind of chart, only on STYLE and the number of series
    (one colour rule each), so one reference chart with every colour gives them all.
    To write the file again: `.venv/bin/python -c "from comptoir.reports.charts import
    stylesheet; print(stylesheet(), end='')" > comptoir/reports/static/reports/charts.css`.
    """
    chart = pygal.Bar(js=[], disable_xml_declaration=True, style=STYLE)
    for n in range(len(STYLE.colors)):
        chart.add(str(n), [1])
    svg = chart.render(is_unicode=True)
    found = re.search(r"<style[^>]*>(.*?)</style>", svg, re.S)
    assert found is not None, "pygal wrote no <style>"
    css = re.sub(r"#chart-[0-9a-f-]+", CSS_SCOPE, found.group(1))
    header = "/* Made by comptoir.reports.charts.stylesheet() from pygal's own rules. */"
    return f"{header}\n{css}\n{EXTRA_CSS}\n"


def render(
    *,
    kind: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[Any]]],
    unit: str = "",
) -> SafeString:
    """One chart as an inline <svg>; `series` are (name, values) with None for a gap."""
    if len(series) > len(STYLE.colors):
        # Past STYLE's colours pygal darkens them, rules the static stylesheet lacks.
        raise ValueError(f"A chart draws at most {len(STYLE.colors)} series.")
    many = len(labels) > 16
    crowded = sum(min(len(label), 32) for label in labels) * 8 > 640
    if kind == "hbar":  # pygal draws the first bar at the bottom: keep the table's order
        labels = list(reversed(labels))
        series = [(name, list(reversed(values))) for name, values in series]
    chart = KINDS[kind](
        js=[],
        disable_xml_declaration=True,
        style=STYLE,
        title=title,
        width=820,
        height=360 if kind != "hbar" else max(220, 60 + 28 * len(labels)),
        show_legend=len(series) > 1,
        legend_at_bottom=True,
        x_label_rotation=40 if crowded and kind != "hbar" else 0,
        show_minor_x_labels=not many,
        x_labels_major_count=12 if many else None,
        truncate_label=32,
        print_values=not many and kind in ("bar", "hbar", "stacked"),
        print_zeroes=False,
        no_data_text=_("No data for this period"),
        value_formatter=(lambda v: f"{v:g} {unit}".strip()),
        allow_interruptions=True,
        margin_bottom=10,
    )
    chart.add_xml_filter(_strip)
    chart.x_labels = list(labels)
    for name, values in series:
        chart.add(name, list(values))
    svg = chart.render(is_unicode=True)
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{_attr(title)}" ', 1)
    return mark_safe(svg)  # noqa: S308 - pygal escapes every label it writes


def _attr(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    )
