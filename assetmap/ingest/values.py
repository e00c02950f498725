"""Single values as sources write them, made usable: text, dates, links, emails, phones and the
words people use for status, format, cost and capacity.

Each function takes what a cell or feed field held and returns the clean value (or None), plus a
reason code when the value was unusable, so the caller can flag the row and keep it.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import re
from collections.abc import Iterable
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
PLACEHOLDERS = {"", "na", "n a", "none", "not known", "unknown", "tbc", "tba", "null", "nil", "-", "--", "?", "x",
                "not applicable", "no", "n/a", "not relevant", "not given", "see website"}
BLOCK_TAGS = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "section",
              "article", "blockquote", "dd", "dt", "hr", "pre", "address", "header", "footer"}
SKIPPED_TAGS = {"script", "style", "head", "title", "noscript", "template", "iframe", "object"}
UNSAFE_SCHEMES = ("javascript:", "data:", "vbscript:", "file:")
EMAIL_RE = re.compile(r"^[^@\s<>(),;:\"\[\]]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.[a-z]{2,}$", re.I)
MONTHS = {m: i for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == [] or value == {}


def is_placeholder(value: Any) -> bool:
    """Cells that say there is nothing: "N/A", "Not known", "-", "TBC"."""
    if value.__class__ is str:
        return len(value) <= 20 and _is_placeholder_text(value)  # the longest placeholder is "not applicable"
    return is_blank(value)


@functools.lru_cache(maxsize=4096)
def _is_placeholder_text(value: str) -> bool:
    return " ".join(re.sub(r"[^\w/?-]+", " ", value.lower()).split()) in PLACEHOLDERS


def plain(value: Any) -> str:
    """A cell as a tidy one-line-or-more string: zero-width characters dropped, non-breaking spaces plain."""
    if value.__class__ is str and value.isprintable() and "  " not in value and value[:1] != " " and value[-1:] != " ":
        return value  # the common case, checked at C speed: nothing to tidy
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).translate(ZERO_WIDTH).replace("\xa0", " ").replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(" ".join(line.split()) for line in text.split("\n")).strip()


class _TextExtractor(HTMLParser):
    """HTML to text with paragraphs kept: blocks become blank lines, links keep their address as text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.unsafe_links: list[str] = []
        self._href: str | None = None
        self._link_text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED_TAGS:
            self.skipping += 1
        elif tag in BLOCK_TAGS:
            self.parts.append("\n\n" if tag != "br" else "\n")
            if tag == "li":
                self.parts.append("• ")
        elif tag == "a":
            self._href = dict(attrs).get("href") or ""
            self._link_text = []

    def handle_endtag(self, tag):
        if tag in SKIPPED_TAGS:
            self.skipping = max(0, self.skipping - 1)
        elif tag in BLOCK_TAGS:
            self.parts.append("\n\n")
        elif tag == "a" and self._href is not None:
            self._close_link()

    def handle_startendtag(self, tag, attrs):
        if tag in BLOCK_TAGS:
            self.parts.append("\n")

    def _close_link(self):
        href, text = self._href.strip(), "".join(self._link_text).strip()
        self._href = None
        if _is_unsafe(href):
            self.unsafe_links.append(href)
        elif href.lower().startswith(("http://", "https://")) and href.rstrip("/") not in text:
            self.parts.append(f" ({href})")
        elif href.lower().startswith("mailto:") and href[7:] not in text:
            self.parts.append(f" ({href[7:]})")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(re.sub(r"\s+", " ", data))
            if self._href is not None:
                self._link_text.append(data)


def looks_like_html(text: str) -> bool:
    return bool(re.search(r"<\s*/?\s*[a-zA-Z][^>]*>|&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);", text))


def html_to_text(text: str) -> tuple[str, list[str]]:
    """Clean text with its paragraphs, and any unsafe link addresses that were dropped.

    >>> html_to_text("<p>Tea &amp; chat</p><p>Call&nbsp;us</p>")[0]
    'Tea & chat\\n\\nCall us'
    """
    parser = _TextExtractor()
    parser.feed(text)
    parser.close()
    if parser._href is not None:
        parser._close_link()
    joined = "".join(parser.parts).translate(ZERO_WIDTH).replace("\xa0", " ")
    paragraphs = ("\n".join(" ".join(line.split()) for line in p.strip().split("\n")) for p in re.split(r"\n[ \t]*\n", joined))
    return "\n\n".join(p for p in paragraphs if p.strip()), parser.unsafe_links


def rich_text(value: Any) -> tuple[str, list[str]]:
    """A description: HTML made text (never markup), plain text tidied; unsafe links reported."""
    text = plain(value) if not isinstance(value, str) else value
    if looks_like_html(text):
        return html_to_text(text)
    text = html.unescape(text) if "&" in text else text
    return plain(text), []


def split_values(value: Any) -> list[str]:
    """A multi-valued cell ("Walking; Tai chi | Yoga", or a list) as separate values, blanks dropped."""
    if isinstance(value, (list, tuple)):
        return [v for v in (plain(i) for i in value) if v and not is_placeholder(v)]
    return list(_split_text(plain(value)))


@functools.lru_cache(maxsize=4096)
def _split_text(text: str) -> tuple[str, ...]:
    return tuple(v for v in (plain(i) for i in re.split(r"\s*[;,|\n]\s*", text)) if v and not is_placeholder(v))


def tidy_tag(tag: str) -> str:
    """Tags differing only by case or spaces become one: "older PEOPLE " → "Older people"; acronyms kept."""
    text = " ".join(tag.split())
    if text.isupper() and " " in text:
        text = text.lower()
    words = [w if w.isupper() and 1 < len(re.sub(r"[^A-Za-z]", "", w)) <= 5 else w.lower() for w in text.split(" ")]
    joined = " ".join(words)
    return joined[:1].upper() + joined[1:]


def tidy_tags(values: Iterable[str]) -> list[str]:
    """Audience-style tags: hierarchical ``Parents>Grandparents`` gives both, duplicates by case merged."""
    return list(_tidy_tags(tuple(values)))


@functools.lru_cache(maxsize=4096)
def _tidy_tags(values: tuple[str, ...]) -> tuple[str, ...]:
    found: dict[str, str] = {}
    for value in values:
        for part in re.split(r"\s*[>/\\]\s*", value):
            tag = tidy_tag(part)
            if tag and tag.casefold() not in found:
                found[tag.casefold()] = tag
    return tuple(found.values())


def _to_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = plain(value)
    iso = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?", text)
    if iso:
        return dt.date(*map(int, iso.groups()))
    uk = re.fullmatch(r"(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4}|\d{2})", text)
    if uk:
        day, month, year = map(int, uk.groups())
        return dt.date(year + 2000 if year < 100 else year, month, day)
    return _written_date(text)


def _written_date(text: str) -> dt.date | None:
    """"12 January 2023", "12th Jan 2023", "January 12, 2023"."""
    lower = text.lower().replace(",", " ")
    match = re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]{3,9})\.?\s+(\d{4})", " ".join(lower.split()))
    if match:
        day, month, year = match.groups()
    else:
        match = re.fullmatch(r"([a-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?\s+(\d{4})", " ".join(lower.split()))
        if not match:
            return None
        month, day, year = match.groups()
    number = MONTHS.get(month[:3])
    if number is None or (len(month) > 3 and not _is_month_name(month)):
        return None
    return dt.date(int(year), number, int(day))


def _is_month_name(word: str) -> bool:
    names = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
             "november", "december", "sept"]
    return word in names


def parse_date(value: Any, today: dt.date) -> tuple[dt.date | None, str]:
    """A date from ISO, UK day-first (``03/04/2025`` is 3 April) or written form; ``(None, why)`` if invalid.

    >>> parse_date("03/04/2025", dt.date(2026, 1, 1))
    (datetime.date(2025, 4, 3), '')
    """
    if is_placeholder(value):
        return None, ""
    try:
        date = _to_date(value)
    except ValueError:
        date = None
    if date is None:
        return None, "is not a date (expected e.g. 03/04/2025, 2025-04-03 or 3 April 2025)"
    if date.year < 1900 or date > today + dt.timedelta(days=1):
        return None, f"is not a plausible date ({date.isoformat()} is {'in the future' if date > today else 'too early'})"
    return date, ""


def as_utc(date: dt.date | None) -> dt.datetime | None:
    return None if date is None else dt.datetime(date.year, date.month, date.day, tzinfo=dt.UTC)


def _is_unsafe(url: str) -> bool:
    compact = re.sub(r"[\s\x00-\x1f]+", "", html.unescape(url)).lower()
    return compact.startswith(UNSAFE_SCHEMES)


def clean_url(value: Any) -> tuple[str | None, str]:
    """A web address with a scheme, or ``(None, reason)``: ``unsafe_url`` (javascript:, data:) or ``invalid_url``.

    >>> clean_url("www.example.org/walks")
    ('https://www.example.org/walks', '')
    """
    return _clean_url(plain(value))


@functools.lru_cache(maxsize=4096)
def _clean_url(value: str) -> tuple[str | None, str]:
    if is_placeholder(value):
        return None, ""
    text = plain(value).split()[0] if plain(value) else ""
    if _is_unsafe(plain(value)):
        return None, "unsafe_url"
    if not re.match(r"^[a-z][a-z0-9+.-]*://", text, re.I):
        text = "https://" + text.lstrip("/")
    try:
        parts = urlsplit(text)
    except ValueError:  # "http://[not an address]/": a bracketed host that is no IP address
        return None, "invalid_url"
    if parts.scheme.lower() not in ("http", "https") or "." not in parts.netloc or " " in parts.netloc:
        return None, "invalid_url"
    return text, ""


def clean_email(value: Any) -> tuple[str | None, list[str], str]:
    """The first email address in a cell, any others, and ``invalid_email`` when none is valid."""
    if is_placeholder(value):
        return None, [], ""
    candidates = [c.strip().strip(".<>()") for c in re.split(r"[;,/\s]+", re.sub(r"(?i)mailto:", "", plain(value))) if c.strip()]
    valid = [c for c in candidates if EMAIL_RE.match(c)]
    if not valid:
        return None, [], "invalid_email"
    return valid[0], valid[1:], ""


def clean_phone(value: Any) -> str | None:
    """A phone number as written; a number a spreadsheet stored as a float gets its leading zero back."""
    if is_placeholder(value):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        digits = str(int(value))
        return "0" + digits if len(digits) == 10 and digits[0] in "123789" else digits
    text = plain(value)
    return text if re.search(r"\d{3}", text) else None


def status_of(value: Any) -> str | None:
    """``active | paused | closed`` from the words people use ("Suspended due to COVID-19" → paused)."""
    return _status_of(plain(value))


@functools.lru_cache(maxsize=4096)
def _status_of(text: str) -> str | None:
    text = text.lower()
    if not text:
        return None
    if re.search(r"suspend|pause|on hold|temporar|covid|coronavirus|lockdown|not running|postponed|on a break", text):
        return "paused"
    if re.search(r"clos|ceased|no longer|defunct|inactive|finished|ended|stopped|discontinu|cancel|deleted|withdrawn", text):
        return "closed"
    if re.search(r"active|open|running|\byes\b|ongoing|live|current|operating|\bok\b", text):
        return "active"
    return None


def delivery_of(value: Any) -> list[str]:
    """``in_person``/``online``/``telephone`` from "Format" words ("Face to face and Zoom")."""
    text = " ".join(split_values(value)) if isinstance(value, (list, tuple)) else plain(value)
    return list(_delivery_of(text.lower()))


@functools.lru_cache(maxsize=4096)
def _delivery_of(text: str) -> tuple[str, ...]:
    modes = []
    if re.search(r"in[\s-]*person|face[\s-]*to[\s-]*face|venue|drop[\s-]*in|physical|on[\s-]*site|outdoor|hybrid|blended|group session", text):
        modes.append("in_person")
    if re.search(r"online|zoom|video|virtual|\bteams\b|internet|remote|skype|web|hybrid|blended|digital", text):
        modes.append("online")
    if re.search(r"phone|telephone|\bcall|helpline", text):
        modes.append("telephone")
    return tuple(modes)


def is_free_of(value: Any) -> bool | None:
    """True for "Free", "£0", "Free (donations welcome)"; False for "£3 a session"; None when unclear."""
    return _is_free_of(plain(value))


@functools.lru_cache(maxsize=4096)
def _is_free_of(text: str) -> bool | None:
    text = text.lower()
    if not text:
        return None
    amounts = [float(a) for a in re.findall(r"£\s*(\d+(?:\.\d+)?)", text)]
    amounts += [float(a) / 100 for a in re.findall(r"\b(\d+)\s*p\b", text)]
    paid = any(a > 0 for a in amounts)
    free = bool(re.search(r"\bfree\b|no charge|no cost|nothing to pay|donations?\b|^0(?:\.00)?$|^£\s*0(?:\.00)?$", text))
    if free and not paid:
        return True
    if paid and not free:
        return False
    return True if paid and text.startswith("free") else None


def capacity_of(value: Any) -> str | None:
    """``accepting | waiting_list | referral_needed`` from "Taking new people"-style answers."""
    return _capacity_of(plain(value))


@functools.lru_cache(maxsize=4096)
def _capacity_of(text: str) -> str | None:
    text = text.lower()
    if not text or is_placeholder(text) and text != "no":
        return None
    if re.search(r"referr|refer\b|voucher|gp\b|assessment|professional", text):
        return "referral_needed"
    if re.search(r"wait|full|no spaces|not taking|not accepting|closed to new|^no\b", text):
        return "waiting_list"
    if re.search(r"^yes|accept|taking|open|welcome|spaces|drop[\s-]*in|just turn up|anyone", text):
        return "accepting"
    return None


def identifier(value: Any) -> str | None:
    """A source id or registration number as text ("1234.0" from a spreadsheet → "1234")."""
    if is_placeholder(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = plain(value)
    return text or None


# Yes/no columns as people fill them in: words, letters, ticks and crosses, 1/0 ("x" marks a ticked box).
YES_WORDS = {"yes", "y", "true", "t", "1", "x", "✓", "✔", "✅", "☑", "ticked", "yes please", "yep"}
NO_WORDS = {"no", "n", "false", "f", "0", "✗", "✘", "❌", "☐", "not ticked", "nope"}
YES_NO_RE = re.compile(r"(yes|no|y|n|true|false)\b[\s,.:;!()–—-]*(.*)", re.I | re.S)


def yes_no(value: Any) -> tuple[bool | None, str]:
    """A yes/no cell as ``(answer, the rest)``: ``("Yes - ramp at the side")`` → ``(True, "ramp at the side")``.

    ``(None, text)`` when the cell is not a yes or a no (the caller decides what its words mean).

    >>> yes_no("TRUE"), yes_no("✓"), yes_no(0), yes_no("No, £3 a session"), yes_no("N/A")
    ((True, ''), (True, ''), (False, ''), (False, '£3 a session'), (None, ''))
    """
    if isinstance(value, bool):
        return value, ""
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value), ""
    return _yes_no(plain(value))


@functools.lru_cache(maxsize=4096)
def _yes_no(text: str) -> tuple[bool | None, str]:
    word = text.lower().strip(" .!")
    if word in YES_WORDS or word in NO_WORDS:
        return word in YES_WORDS, ""
    if is_placeholder(text):
        return None, ""
    match = YES_NO_RE.fullmatch(text)
    if match and match.group(1).lower() not in ("y", "n"):
        return match.group(1).lower() in ("yes", "true"), match.group(2).strip()
    return None, text


AGE_WORDS_RE = re.compile(r"(?<![a-z])(?:age range|age group|ages|aged|age|years old|year olds|years|year|yrs|yr|olds|old|y\s?o)(?![a-z])|[():]")
AGE_RE = re.compile(r"\s*(\d{1,3})(?:\.0+)?\s*(?:\+|years?|yrs?|y)?\s*")
AGE_FORMS = (  # (pattern over the tidied text, how to read its numbers)
    (re.compile(r"(\d{1,2})\s*(?:-|–|—|to)\s*(\d{1,3})"), lambda a, b: (int(a), int(b))),
    (re.compile(r"(?:over|from|min(?:imum)?)\s*(\d{1,2})s?|(\d{1,2})s?\s*(?:\+|plus|and over|and above|or over|or older|upwards)"),
     lambda a, b: (int(a or b), None)),
    (re.compile(r"(?:under|below)\s*(\d{1,2})s?"), lambda a: (0, int(a) - 1)),
    (re.compile(r"(?:up to|upto|max(?:imum)?)\s*(\d{1,3})|(\d{1,2})s?\s*and under"), lambda a, b: (0, int(a or b))),
)


@functools.lru_cache(maxsize=4096)
def age_range_of(text: str) -> tuple[int, int | None] | None:
    """``(youngest, oldest)`` from a value that gives only ages ("18-65", "Ages 60+", "Under 5s"), else None.

    >>> age_range_of("Age range 18-65"), age_range_of("Ages 60+"), age_range_of("Under 5s"), age_range_of("Women")
    ((18, 65), (60, None), (0, 4), None)
    """
    words = " ".join(AGE_WORDS_RE.sub(" ", re.sub(r"['’]", "", text.lower())).split())
    for pattern, read in AGE_FORMS:
        match = pattern.fullmatch(words)
        if match:
            youngest, oldest = read(*match.groups())
            return (youngest, oldest) if oldest is None or youngest <= oldest else None
    return None


def age_of(value: Any) -> int | None:
    """A whole age from a "Min age"/"Max age" cell ("18", 18.0, "18 years", "18+")."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value) if 0 <= value < 130 else None
    match = AGE_RE.fullmatch(plain(value))
    return int(match.group(1)) if match and int(match.group(1)) < 130 else None


# Words that, on their own, say a "venue" is not a place: "Online", "By phone", "Zoom", "Virtual".
REMOTE_WORDS = {"online", "virtual", "virtually", "zoom", "teams", "microsoft", "skype", "video", "phone", "telephone",
                "remote", "remotely", "webinar", "internet", "call", "calls", "helpline", "whatsapp", "web", "digital"}
REMOTE_FILLERS = {"by", "via", "on", "over", "the", "and", "or", "only", "service", "session", "sessions", "meeting",
                  "meetings", "line", "a", "n", "na", "not", "applicable", "platform", "app", "based", "call", "delivered", "held"}


@functools.lru_cache(maxsize=4096)
def remote_modes(text: str) -> tuple[str, ...]:
    """The delivery modes a venue or address names when it is no place at all ("Online (Zoom)", "By phone"), else ().

    >>> remote_modes("Online via Zoom"), remote_modes("By phone"), remote_modes("Zoom House, 3 High Street")
    (('online',), ('telephone',), ())
    """
    words = re.findall(r"[a-z]+", text.lower())
    if not words or not any(w in REMOTE_WORDS for w in words) or not all(w in REMOTE_WORDS or w in REMOTE_FILLERS for w in words):
        return ()
    return tuple(m for m in _delivery_of(" ".join(words)) if m != "in_person")

