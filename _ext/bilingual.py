"""Korean/English twin pages for the book (a local Sphinx extension).

The book keeps every page twice, ``book/ko/NAME`` and ``book/en/NAME``. This extension

- puts a link to the twin page at the top of every page that has one
  (``한국어 | English``, the current language shown as plain text);
- adds ``<link rel="alternate" hreflang="…">`` for both versions to the page's head;
- sets ``<html lang="en">`` on English pages (the project's ``language`` is ``ko``) and
  leaves Sphinx's, napoleon's, the theme's and sphinx-togglebutton's interface strings
  untranslated (English) there;
- warns (so that ``-W`` fails the build) when a page in one language has no twin;
- lets the English and Korean API pages both document the same objects: the Korean page
  uses ``:no-index:`` (one description per object for Sphinx), this extension gives its
  signatures the same anchors anyway, and cross-references made from a Korean page
  point at the Korean API page, from an English page at the English one;
- serves ``static/`` beside this file (the switch's CSS, a MathJax v2 shim that
  ipywidgets needs under MathJax 3, and ``kernel-free-widgets.js``, which shows the
  controls of saved ipywidgets as inactive, with a note in the page's language, since
  no kernel answers them on the static site), and gives the theme a default colour mode (without
  one, pydata-sphinx-theme logs a console error on a reader's first visit).
"""
from __future__ import annotations

import gettext
import html
import posixpath
from pathlib import Path

from docutils import nodes
from sphinx import addnodes, locale
from sphinx.util import logging

logger = logging.getLogger(__name__)

LANGS = {"ko": "한국어", "en": "English"}
PREFIX = "book/"
API_PAGE = "api"


def split(docname: str):
    """'book/ko/01_x' -> ('ko', '01_x'); pages outside book/<lang>/ -> (None, None)."""
    if not docname.startswith(PREFIX):
        return None, None
    parts = docname[len(PREFIX):].split("/", 1)
    if len(parts) == 2 and parts[0] in LANGS:
        return parts[0], parts[1]
    return None, None


def twin(docname: str, lang: str) -> str | None:
    here, name = split(docname)
    if here is None:
        return None
    return f"{PREFIX}{lang}/{name}"


def use_language(app, lang: str | None) -> None:
    """Make Sphinx's and the extensions' message catalogs speak ``lang``.

    The project's ``language`` is Korean, so every catalog loaded at start-up is Korean.
    For English pages the catalogs are swapped for untranslated ones while the page is
    read (napoleon's "Parameters", "Returns") and written (the theme's buttons), and
    swapped back for every other page.
    """
    saved = app.__dict__.setdefault("_bilingual_catalogs", dict(locale.translators))
    if lang is None or lang == app.config.language:
        locale.translators.update(saved)
    else:
        for key in saved:
            locale.translators[key] = gettext.NullTranslations()


def on_source_read(app, docname, source):
    use_language(app, split(docname)[0])


def on_env_updated(app, env):
    use_language(app, None)


def on_page_language(app, pagename, templatename, context, doctree):
    use_language(app, split(pagename)[0])
    # The theme's layout reads ``default_mode``, which nothing sets in this theme version:
    # empty, it logs "Got invalid theme mode" (a console error) on a reader's first
    # visit. "auto" follows the reader's system setting.
    context.setdefault("default_mode", "auto")


def on_build_finished(app, exception):
    use_language(app, None)


def check_twins(app, env):
    """Warn about every page that exists in one language only."""
    for docname in sorted(env.found_docs):
        lang, name = split(docname)
        if lang is None:
            continue
        for other in LANGS:
            if other != lang and twin(docname, other) not in env.found_docs:
                logger.warning("%s has no %s twin (expected %s)", docname, LANGS[other],
                               twin(docname, other), type="bilingual", subtype="no_twin",
                               location=docname)


# Field labels that Sphinx's Python domain translates once, when it is imported.
FIELD_LABELS = ("Parameters", "Returns", "Return type", "Raises", "Variables", "Yields",
                "Keyword Arguments", "Other Parameters", "Attributes", "Methods", "Notes",
                "Examples", "References", "See also", "Warning", "Warns", "Receives")


def english_field_labels(app, doctree):
    """On English pages, put translated docstring field labels back into English."""
    lang, _ = split(app.env.docname)
    if lang is None or lang == app.config.language:
        return
    catalogs = app.__dict__.get("_bilingual_catalogs", {})
    translator = catalogs.get(("general", "sphinx"))
    if translator is None:
        return
    back = {translator.gettext(m): m for m in FIELD_LABELS if translator.gettext(m) != m}
    for name in doctree.findall(nodes.field_name):
        text = name.astext()
        if text in back:
            name.children = []
            name += nodes.Text(back[text])
    for rubric in doctree.findall(nodes.rubric):
        if rubric.astext() in back:
            rubric.children = []
            rubric += nodes.Text(back[rubric.astext()])


def anchor_untracked_signatures(app, doctree):
    """Give ``:no-index:`` object descriptions the anchor the indexed copy has: objects
    get their full name, a module the ``module-NAME`` id on the section titled with it."""
    taken = {i for node in doctree.findall(nodes.Element) for i in node.get("ids", [])}
    for sig in doctree.findall(addnodes.desc_signature):
        if sig.get("ids") or not sig.get("fullname"):
            continue
        module = sig.get("module")
        fullname = f"{module}.{sig['fullname']}" if module else sig["fullname"]
        if fullname not in taken:
            sig["ids"].append(fullname)
            taken.add(fullname)
    for section in doctree.findall(nodes.section):
        title = section[0].astext() if len(section) and isinstance(section[0], nodes.title) else ""
        if title.startswith("rnnkit") and title.replace(".", "").replace("_", "").isalnum():
            anchor = f"module-{title}"
            if anchor not in taken:
                section["ids"].append(anchor)
                taken.add(anchor)


def localize_api_references(app, doctree, docname):
    """Make links into an API page stay in the reader's language (when the page in the
    reader's language has the same anchor)."""
    lang, _ = split(docname)
    if lang is None:
        return
    mine_doc = f"{PREFIX}{lang}/{API_PAGE}"
    if mine_doc not in app.env.all_docs:
        return
    cache = app.__dict__.setdefault("_bilingual_api_ids", {})
    if mine_doc not in cache:
        cache[mine_doc] = {i for node in app.env.get_doctree(mine_doc).findall(nodes.Element)
                           for i in node.get("ids", [])}
    mine_ids = cache[mine_doc]
    builder = app.builder
    mine = builder.get_relative_uri(docname, mine_doc)
    for other in LANGS:
        if other == lang:
            continue
        theirs = builder.get_relative_uri(docname, f"{PREFIX}{other}/{API_PAGE}")
        for ref in doctree.findall(nodes.reference):
            uri = ref.get("refuri", "")
            if uri.startswith(theirs + "#") and uri[len(theirs) + 1:] in mine_ids:
                ref["refuri"] = mine + uri[len(theirs):]


def add_switch(app, pagename, templatename, context, doctree):
    lang, _ = split(pagename)
    if lang is None:
        return
    env = app.builder.env
    versions = {lg: twin(pagename, lg) for lg in LANGS}
    versions = {lg: doc for lg, doc in versions.items() if doc in env.found_docs}
    pathto = context["pathto"]

    items, alternates = [], []
    for lg, doc in versions.items():
        href = pathto(doc) if doc != pagename else posixpath.basename(pagename) + app.builder.out_suffix
        alternates.append(f'<link rel="alternate" hreflang="{lg}" href="{html.escape(href)}" />')
        if lg == lang:
            items.append(f'<span class="bilingual-current" lang="{lg}">{LANGS[lg]}</span>')
        else:
            items.append(f'<a class="bilingual-twin" href="{html.escape(href)}" hreflang="{lg}" '
                         f'lang="{lg}">{LANGS[lg]}</a>')
    context["metatags"] = context.get("metatags", "") + "\n" + "\n".join(alternates)
    if len(items) > 1 and "body" in context:
        switch = ('<nav class="bilingual-switch" aria-label="Language / 언어">'
                  + ' <span aria-hidden="true">|</span> '.join(items) + "</nav>\n")
        context["body"] = switch + context["body"]

    if lang != app.config.language:
        context["language"] = lang
        if "body" in context:
            # sphinx-togglebutton writes its hints ("클릭하여 표시") once for the whole site,
            # in the project's language, as globals read on DOMContentLoaded: reset them here.
            context["body"] = ("<script>toggleHintShow = 'Click to show'; "
                               "toggleHintHide = 'Click to hide';</script>\n" + context["body"])
        # Interface strings of the theme stay in English on English pages.
        identity = lambda message, *args, **kwargs: message  # noqa: E731
        context["_"] = identity
        context["gettext"] = identity
        context["ngettext"] = lambda singular, plural, n, *a, **k: singular if n == 1 else plural


def drop_repeated_scripts(app, pagename, templatename, context, doctree):
    """Load each script of a page once.

    sphinx-thebe's and sphinx-togglebutton's inline configuration scripts were added twice
    (once with filename None, once with ""), so every page declared ``const THEBE_JS_URL``
    twice, a console error ("has already been declared").
    """
    seen, kept = set(), []
    for script in context.get("script_files", []):
        attributes = getattr(script, "attributes", {}) or {}
        key = (getattr(script, "filename", None) or "", tuple(sorted(attributes.items())))
        if key not in seen:
            seen.add(key)
            kept.append(script)
    context["script_files"] = kept


def on_config_inited(app, config):
    static = str(Path(__file__).with_name("static"))
    if static not in config.html_static_path:
        config.html_static_path.append(static)



def setup(app):
    app.connect("config-inited", on_config_inited)
    app.connect("env-check-consistency", check_twins)
    app.connect("doctree-read", anchor_untracked_signatures)
    app.connect("doctree-read", english_field_labels)
    app.connect("doctree-resolved", localize_api_references)
    app.connect("source-read", on_source_read)
    app.connect("env-updated", on_env_updated)
    app.connect("html-page-context", on_page_language, priority=1)
    app.connect("html-page-context", add_switch, priority=900)
    app.connect("html-page-context", drop_repeated_scripts, priority=950)
    app.connect("build-finished", on_build_finished)
    app.add_css_file("bilingual.css")
    # Saved ipywidgets cannot move anything without a kernel: say so beside them.
    app.add_js_file("kernel-free-widgets.js")
    # Before Sphinx's MathJax configuration (priority 500), so the shim sees it assigned.
    app.add_js_file("mathjax2-shim.js", priority=200)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
