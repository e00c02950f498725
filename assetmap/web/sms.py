"""The text-message version of a shortlist: GSM-7 characters only, counted the way phones count them.

A text in the GSM 03.38 alphabet holds 160 characters; anything outside it (a "·", a curly quote,
an en dash) turns the whole text into UCS-2, 70 characters a part, so a few stray characters can
triple what the person receives. Every character is therefore replaced by its nearest GSM-7 one
(``to_gsm7``) before counting. A long text is split into parts of 153 (7 go on the header that
joins them); the extension characters (``€ [ ] { } ^ ~ | \\``) take two places and never straddle
two parts. static/shortlist.js applies the same rule in the page (keep the two in step).

Pure functions: no Flask, no database.
"""

from __future__ import annotations

import dataclasses
import unicodedata

# The GSM 03.38 default alphabet (without the escape character) and its extension table.
BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
EXTENSION = set("^{}\\[~]|€")
SINGLE_LIMIT, PART_LIMIT = 160, 153

# Common characters outside GSM-7 and what a reader would expect instead.
REPLACEMENTS = {
    "·": "-", "•": "-", "‧": "-", "–": "-", "—": "-", "‒": "-", "―": "-", "−": "-", "‐": "-", "‑": "-",
    "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "`": "'", "´": "'",
    "“": '"', "”": '"', "„": '"', "‟": '"', "″": '"', "«": '"', "»": '"',
    "…": "...", "⁄": "/", "×": "x", "÷": "/", "\t": " ", "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2007": " ",
    "©": "(c)", "®": "(R)", "™": "TM", "½": "1/2", "¼": "1/4", "¾": "3/4", "ç": "c", "\u2028": "\n",
}


def to_gsm7(text: str) -> str:
    """Every character made GSM-7: known ones replaced, accents dropped where the letter is not in the alphabet, the rest removed.

    >>> to_gsm7("Walk · “Tuesdays” 10–11am, £2 café")
    'Walk - "Tuesdays" 10-11am, £2 café'
    >>> to_gsm7("Ōtautahi 🙂 group")
    'Otautahi  group'
    """
    out = []
    for char in text.replace("\r\n", "\n"):
        out.append(_gsm_char(char))
    return "".join(out)


def _gsm_char(char: str) -> str:
    if char in BASIC or char in EXTENSION:
        return char
    if char in REPLACEMENTS:
        return REPLACEMENTS[char]
    if unicodedata.category(char).startswith("Z"):   # any other kind of space
        return " "
    plain = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    return "".join(c if c in BASIC or c in EXTENSION else REPLACEMENTS.get(c, "") for c in plain)


def is_gsm7(text: str) -> bool:
    return all(c in BASIC or c in EXTENSION for c in text)


@dataclasses.dataclass(frozen=True)
class Count:
    """How a phone counts a text: characters as sent (an extension character is two) and messages."""

    characters: int
    messages: int

    def describe(self) -> str:
        """"148 characters, 1 text message" / "312 characters, 3 text messages (153 characters each)"."""
        texts = "1 text message" if self.messages == 1 else f"{self.messages} text messages"
        split = f" ({PART_LIMIT} characters each)" if self.messages > 1 else ""
        return f"{self.characters} characters, {texts}{split}"


def count(text: str) -> Count:
    """Characters and messages for a GSM-7 text (convert with ``to_gsm7`` first).

    >>> count("a" * 160), count("a" * 161), count("a" * 306), count("a" * 307)
    (Count(characters=160, messages=1), Count(characters=161, messages=2), Count(characters=306, messages=2), Count(characters=307, messages=3))
    """
    sizes = [2 if c in EXTENSION else 1 for c in text]
    total = sum(sizes)
    if total == 0:
        return Count(0, 0)
    if total <= SINGLE_LIMIT:
        return Count(total, 1)
    parts, room = 1, PART_LIMIT
    for size in sizes:   # a two-place character never straddles two parts
        if size > room:
            parts, room = parts + 1, PART_LIMIT
        room -= size
    return Count(total, parts)


@dataclasses.dataclass(frozen=True)
class Line:
    """One activity as the text needs it: the name, when, where, phone and whether to ring first."""

    name: str
    when: str | None = None
    where: str | None = None
    phone: str | None = None
    ring_first: bool = False


RING_FIRST = "Ring before you go"


def message(lines: list[Line], link: str | None = None) -> str:
    """The whole text: one line per activity ("Name - when - where - phone - Ring before you go"), then the link.

    >>> message([Line("Sale walk", "Tue 10am", "M33 7XW", "0161 000 0000", ring_first=True)], "https://x.example/s/ab12")
    'Sale walk - Tue 10am - M33 7XW - 0161 000 0000 - Ring before you go\\nMore: https://x.example/s/ab12'
    """
    rows = []
    for line in lines:
        parts = [line.name, line.when, line.where, line.phone, RING_FIRST if line.ring_first else None]
        rows.append(" - ".join(" ".join(p.split()) for p in parts if p and p.strip()))
    if link:
        rows.append(f"More: {link}")
    return to_gsm7("\n".join(rows))
