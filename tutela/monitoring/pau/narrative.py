"""The narrative of a PAU section, written in Markdown: sanitised HTML for the PDF (only the tags a
report needs survive nh3), and blocks and inline runs for the Word document."""

from __future__ import annotations

import re

import markdown as markdown_lib
import nh3
from django.utils.safestring import mark_safe

_ALLOWED_TAGS = {
    "p",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "b",
    "i",
    "h3",
    "h4",
    "br",
    "code",
    "blockquote",
}


def markdown_html(text: str) -> str:
    html = markdown_lib.markdown(text or "", output_format="html")
    # Headings inside a section are sub-headings of it.
    html = re.sub(r"<(/?)h[1-2]>", r"<\1h3>", html)
    return mark_safe(nh3.clean(html, tags=_ALLOWED_TAGS, attributes={}))  # noqa: S308 - cleaned


_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*\d+[.)]\s+(.*)$")
_HEADING = re.compile(r"^\s*#{1,6}\s+(.*)$")
_INLINE = re.compile(r"(\*\*[^*]+\*\*|__[^_]+__|\*[^*]+\*|_[^_]+_|`[^`]+`)")


def markdown_blocks(text: str) -> list[tuple[str, str]]:
    """("heading" | "bullet" | "number" | "paragraph", text) from the Markdown the editors write
    (paragraphs, lists, headings, emphasis): enough for a report, without HTML."""
    blocks: list[tuple[str, str]] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append(("paragraph", " ".join(p.strip() for p in paragraph)))
            paragraph.clear()

    for line in (text or "").replace("\r\n", "\n").split("\n"):
        if not line.strip():
            flush()
            continue
        for kind, pattern in (("heading", _HEADING), ("bullet", _BULLET), ("number", _NUMBERED)):
            match = pattern.match(line)
            if match:
                flush()
                blocks.append((kind, match[1].strip()))
                break
        else:
            if blocks and blocks[-1][0] in {"bullet", "number"} and line.startswith((" ", "\t")):
                kind, previous = blocks[-1]
                blocks[-1] = (kind, previous + " " + line.strip())
            else:
                paragraph.append(line)
    flush()
    return blocks


def inline_runs(text: str) -> list[tuple[str, bool, bool]]:
    """(text, bold, italic) runs of one line of Markdown."""
    runs = []
    for part in _INLINE.split(text):
        if not part:
            continue
        if (part.startswith("**") and part.endswith("**")) or (
            part.startswith("__") and part.endswith("__")
        ):
            runs.append((part[2:-2], True, False))
        elif len(part) > 1 and part[0] in "*_" and part[-1] == part[0]:
            runs.append((part[1:-1], False, True))
        elif part.startswith("`") and part.endswith("`"):
            runs.append((part[1:-1], False, False))
        else:
            runs.append((part, False, False))
    return runs
