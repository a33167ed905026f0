"""Article Markdown to safe HTML: readable heading ids, a table of contents, article links.

Editors write Markdown (raw HTML included); readers get HTML that nh3 has cleaned against a
fixed list of tags, attributes and URL schemes, so nothing an editor types can run script
in a reader's browser. Links to other articles are written ``[text](kb:slug)`` or
``[text](/kb/slug)`` and resolved by the caller, which knows which articles exist.
"""

from __future__ import annotations

import re
import threading
import unicodedata
import xml.etree.ElementTree as etree
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser

import markdown
import nh3
from markdown.treeprocessors import Treeprocessor

LinkResolver = Callable[[str], str | None]

# An article's slug as it appears in ``kb:slug`` and ``/kb/slug`` links and in front matter.
ARTICLE_SLUG_RE = re.compile(r"[^\W_][\w-]{0,119}")
ARTICLE_LINK_RE = re.compile(r"(?:kb:|/kb/)(?P<slug>[^\W_][\w-]{0,119})/?(?P<fragment>#[\w-]*)?")
BROKEN_LINK_CLASS = "broken-link"
DEFAULT_ARTICLE_URL = "/kb/%s"

HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
ALLOWED_TAGS = {
    *("p", "br", "hr", *HEADINGS, "ul", "ol", "li", "strong", "em", "code", "pre"),
    *("blockquote", "table", "thead", "tbody", "tr", "th", "td", "a", "img"),
    *("span", "div", "del", "sup", "sub"),
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    **{tag: {"id"} for tag in HEADINGS},
    "th": {"align"},
    "td": {"align"},
    "code": {"class"},
}
ALLOWED_VALUES = {"span": {"class": {BROKEN_LINK_CLASS}}}
# Tags removed together with everything inside them.
REMOVED_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "noscript", "template"}
URL_SCHEMES = {"http", "https", "mailto"}
CODE_CLASS_RE = re.compile(r"language-[\w+#.-]{1,40}")
ID_RE = re.compile(r"[\w-]{1,120}")
ALIGNMENTS = {"left", "right", "center"}
BLOCK_TAGS = {*HEADINGS, "p", "li", "tr", "pre", "blockquote", "div", "table", "br", "hr"}


@dataclass(frozen=True)
class Heading:
    """One heading of an article: its level (1-6), its id for anchors and its plain text."""

    level: int
    id: str
    text: str


@dataclass(frozen=True)
class Rendered:
    """Sanitised HTML, the headings in document order and the article slugs that are missing."""

    html: str
    toc: list[Heading] = field(default_factory=list)
    broken_links: list[str] = field(default_factory=list)

    @property
    def heading_count(self) -> int:
        """How many headings the article has."""
        return len(self.toc)


def slugify(text: str, separator: str = "-") -> str:
    """A readable anchor id: lowercase letters (Cyrillic kept), digits, ``_`` and ``-``.

    ``slugify("Шаг 1: приветствие")`` is ``"шаг-1-приветствие"``; text without letters or
    digits gives ``""``.
    """
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"[^\w\s-]", "", text)
    return re.sub(r"[\s-]+", separator, text.strip()).strip(separator)


def render_markdown(text: str, *, link_resolver: LinkResolver | None = None) -> Rendered:
    """Markdown to sanitised HTML with heading ids and a table of contents.

    ``link_resolver(slug)`` turns an article link into a URL, or ``None`` when there is no
    such article: the link then becomes ``<span class="broken-link">`` and its slug is listed
    in ``broken_links``. Without a resolver article links point to ``/kb/<slug>``.
    """
    md, links = _converter()
    links.reset(link_resolver)
    try:
        html = sanitize_html(md.convert(text))
    finally:
        md.reset()
    return Rendered(html=html, toc=_headings(html), broken_links=list(links.broken))


_local = threading.local()


def _converter() -> tuple[markdown.Markdown, _ArticleLinks]:
    """This thread's Markdown converter: building one costs more than converting a page."""
    if not hasattr(_local, "converter"):
        links = _ArticleLinks(None)
        md = markdown.Markdown(
            extensions=["tables", "fenced_code", "sane_lists", "attr_list", "toc"],
            extension_configs={
                "toc": {"slugify": _heading_id},
                "tables": {"use_align_attribute": True},
            },
        )
        md.treeprocessors.register(links, "kb_article_links", 15)
        _local.converter = (md, links)
    return _local.converter


def sanitize_html(html: str) -> str:
    """The HTML with everything outside the allowed tags, attributes and schemes removed."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags=REMOVED_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_filter_attribute,
        tag_attribute_values=ALLOWED_VALUES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def plain_text(text: str) -> str:
    """The Markdown's readable text without markup: one line per block, for snippets."""
    extractor = _TextExtractor()
    extractor.feed(render_markdown(text).html)
    extractor.close()
    lines = (re.sub(r"\s+", " ", line).strip() for line in "".join(extractor.parts).split("\n"))
    return "\n".join(line for line in lines if line)


def _heading_id(value: str, separator: str) -> str:
    return slugify(value, separator) or "section"


def _filter_attribute(tag: str, name: str, value: str) -> str | None:
    if name == "class" and tag == "span":
        return value if value == BROKEN_LINK_CLASS else None
    if name == "class":
        return value if CODE_CLASS_RE.fullmatch(value) else None
    if name == "id":
        return value if ID_RE.fullmatch(value) else None
    if name == "align":
        return value if value in ALIGNMENTS else None
    return value


class _ArticleLinks(Treeprocessor):
    """Resolves ``kb:slug`` and ``/kb/slug`` links; unknown articles become marked text."""

    def __init__(self, resolver: LinkResolver | None) -> None:
        super().__init__()
        self.reset(resolver)

    def reset(self, resolver: LinkResolver | None) -> None:
        self.resolver = resolver
        self.broken: list[str] = []

    def run(self, root: etree.Element) -> None:
        for element in root.iter("a"):
            match = ARTICLE_LINK_RE.fullmatch(element.get("href", "").strip())
            if match:
                self._resolve(element, match["slug"], match["fragment"] or "")

    def _resolve(self, element: etree.Element, slug: str, fragment: str) -> None:
        if self.resolver is None:
            element.set("href", DEFAULT_ARTICLE_URL % slug + fragment)
            return
        url = self.resolver(slug)
        if url is not None:
            element.set("href", url + fragment)
            return
        if slug not in self.broken:
            self.broken.append(slug)
        element.tag = "span"
        element.attrib.clear()
        element.set("class", BROKEN_LINK_CLASS)


class _HeadingCollector(HTMLParser):
    """Collects the headings of sanitised HTML with their ids and text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.headings: list[Heading] = []
        self._open: tuple[int, str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in HEADINGS:
            self._open = (int(tag[1]), dict(attrs).get("id") or "", [])

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open[2].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag in HEADINGS and self._open is not None:
            level, heading_id, parts = self._open
            text = re.sub(r"\s+", " ", "".join(parts)).strip()
            self.headings.append(Heading(level=level, id=heading_id, text=text))
            self._open = None


def _headings(html: str) -> list[Heading]:
    collector = _HeadingCollector()
    collector.feed(html)
    collector.close()
    return collector.headings


class _TextExtractor(HTMLParser):
    """The text of sanitised HTML, with a line break after each block."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._in_pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "pre":
            self._in_pre += 1
        if tag in BLOCK_TAGS:
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "pre" and self._in_pre:
            self._in_pre -= 1
        if tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        # Outside code blocks a line break in the source is just a space.
        self.parts.append(data if self._in_pre else re.sub(r"\s+", " ", data))
