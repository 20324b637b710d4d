"""Hostile text for the XSS browser test (test_browser_xss.py), imported, not collected.

Each payload, if the page ever let it become markup, would do one of three things the test
watches for: call `__xss('<id>')` (a function the browser test defines in every frame, as
alert() would be called), fetch a path starting with `/xss-` (images, frames, htmx
attributes), or leave an element or attribute the DOM scan refuses (a handler, a
javascript: or data: URL, an htmx attribute, a frame, a <base>). The ids are plain words,
so the payload also reads as what it is when shown, correctly, as text.
"""

from __future__ import annotations

PAYLOADS: list[tuple[str, str]] = [
    ("script", "<script>__xss('script')</script>"),
    ("img", "<img src=/xss-img onerror=__xss('img')>"),
    ("svg", "<svg onload=__xss('svg')><circle r=1 /></svg>"),
    ("svgscript", "<svg><script>__xss('svgscript')</script></svg>"),
    ("dqattr", '" autofocus onfocus="__xss(\'dqattr\')" data-x="'),
    ("sqattr", "' autofocus onfocus='__xss(\"sqattr\")' data-x='"),
    ("unquoted", "x onmouseover=__xss('unquoted') y"),
    ("textarea", "</textarea><img src=/xss-textarea onerror=__xss('textarea')>"),
    ("title", "</title><script>__xss('title')</script>"),
    ("styleend", "</style><img src=/xss-styleend onerror=__xss('styleend')>"),
    ("scriptend", "</script><script>__xss('scriptend')</script>"),
    ("jsurl", "javascript:__xss('jsurl')"),
    ("mdlink", "[click me](javascript:__xss('mdlink')) <https://example.org/\">x</a>"),
    ("dataurl", '<a href="data:text/html,<script>parent.__xss(1)</script>">dataurl</a>'),
    ("iframe", "<iframe srcdoc=\"<script>parent.__xss('iframe')</script>\"></iframe>"),
    ("css", "<div style=\"background:url('/xss-css');width:expression(__xss('css'))\">css</div>"),
    ("template", "{{ 7|add:7 }} {% debug %} {{ request.user.password }} ${7*7} #{7*7}"),
    ("hxget", '<div hx-get="/xss-hxget" hx-trigger="load">hxget</div>'),
    ("hxon", "<b hx-on:htmx:load=\"__xss('hxon')\" hx-on::load=\"__xss('hxon')\">hxon</b>"),
    ("hxoob", '<div id="main" hx-swap-oob="true">hxoob</div>'),
    ("hxvals", '<button hx-post="/xss-hxvals" hx-vals=\'js:{a: __xss("hxvals")}\'>go</button>'),
    ("fullwidth", "＜script＞__xss('fullwidth')＜/script＞"),
    ("rtlo", "\u202e<img src=/xss-rtlo onerror=__xss('rtlo')>\u202c"),
    ("zerowidth", "<scr\u200bipt>__xss('zerowidth')</scr\u200bipt>"),
    ("entity", "&lt;script&gt;__xss('entity')&lt;/script&gt; &#60;img src=/xss-entity&#62;"),
    ("jsstring", "';__xss('jsstring');//\";__xss('jsstring');//</script>"),
    ("json", '"}]}; __xss(\'json\'); ({"a":"'),
    ("object", "<object data=\"javascript:__xss('object')\"></object><embed src=/xss-embed>"),
    ("base", '<base href="https://evil.example/">base'),
    ("meta", '<meta http-equiv="refresh" content="0;url=javascript:__xss(\'meta\')">'),
    ("formaction", '<form action="/xss-form"><button formaction="/xss-fa">go</button></form>'),
    ("details", "<details open ontoggle=__xss('details')>details</details>"),
    ("mxss", "<math><mtext><table><mglyph><style><img src=/xss-mxss onerror=__xss('mxss')>"),
    ("noscript", '<noscript><p title="</noscript><img src=/xss-noscript onerror=__xss(1)>">'),
]

# What a visit runs in every frame before the page's own scripts: the marker the payloads
# call, alert() and its kin counted the same way.
INIT_SCRIPT = """
window.__xss = (id) => window.__xssHit(String(id));
window.alert = window.confirm = window.prompt = (m) => window.__xssHit("dialog:" + m);
"""

# The DOM scan after each visit: markup that only an injection could have produced.
# Comptoir's own templates hold no handler, no inline script, no frame (test_security_
# headers checks them); legitimate links carry a payload only percent-encoded in a query.
DOM_SCAN = r"""() => {
  const bad = [];
  const urlAttrs = ["href", "src", "action", "formaction", "data", "xlink:href", "srcdoc"];
  for (const el of document.querySelectorAll("*")) {
    const tag = el.tagName.toLowerCase();
    if (["iframe", "frame", "object", "embed", "base"].includes(tag)) {
      bad.push(`<${tag}>`);
    }
    if (tag === "script" && !el.src && el.type !== "application/json") {
      bad.push("inline <script>: " + el.textContent.slice(0, 60));
    }
    if (tag === "meta" && el.httpEquiv) bad.push("<meta http-equiv>");
    for (const a of el.attributes) {
      const n = a.name.toLowerCase(), v = a.value.trim();
      if (n.startsWith("on")) bad.push(`<${tag} ${n}>`);
      if (n.startsWith("hx-on") || n === "hx-swap-oob" || n === "hx-vals" && v.startsWith("js:")) {
        bad.push(`<${tag} ${n}>`);
      }
      if (n.startsWith("hx-") && v.startsWith("/xss-")) bad.push(`<${tag} ${n}=${v}>`);
      if (urlAttrs.includes(n) && /^(javascript|data|vbscript):|^\/xss-/i.test(v)) {
        bad.push(`<${tag} ${n}=${v.slice(0, 40)}>`);
      }
      if (n === "style" && /xss|expression|javascript/i.test(v)) bad.push(`<${tag} style>`);
    }
  }
  return bad;
}"""
