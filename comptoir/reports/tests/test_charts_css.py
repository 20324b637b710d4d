"""The charts under the Content-Security-Policy: no <style> and no style attribute in the
SVG (style-src 'self' blocks both); their rules come from the static reports/charts.css,
which must stay what pygal would have written (regenerated with charts.stylesheet())."""

from __future__ import annotations

from pathlib import Path

import pytest

from comptoir.reports import charts

CSS = Path(charts.__file__).parent / "static" / "reports" / "charts.css"


def test_the_static_stylesheet_is_pygal_s_rules_for_our_style():
    assert CSS.read_text() == charts.stylesheet(), (
        "reports/charts.css is stale: write it again with charts.stylesheet() (see its docstring)"
    )


@pytest.mark.parametrize("kind", sorted(charts.KINDS))
def test_a_chart_carries_no_style_of_its_own(kind):
    series = [(f"s{n}", [1, None, 3]) for n in range(len(charts.STYLE.colors))]
    svg = charts.render(kind=kind, title="T", labels=["a", "b", "c"], series=series)
    assert "<style" not in svg and " style=" not in svg
    assert 'class="pygal-chart' in svg  # what the stylesheet's rules are scoped to
    used = {f".color-{n}" for n in range(len(series))}
    assert all(c in CSS.read_text() for c in used)


def test_more_series_than_colours_is_refused():
    series = [(f"s{n}", [1]) for n in range(len(charts.STYLE.colors) + 1)]
    with pytest.raises(ValueError):
        charts.render(kind="bar", title="T", labels=["a"], series=series)
