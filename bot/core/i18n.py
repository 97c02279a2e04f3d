"""The fixed words of a reply in the fan's language: gettext catalogs read through Babel.

The English text in the code is the message id (``N_("As of {date}")``, ``tr(language,
"Sources")``); ``bot/locale/<lang>/LC_MESSAGES/messages.po`` holds each shipped language's
translations. The ``.po`` files are the only copy: the first use of a language compiles its
catalog in memory (Babel's ``read_po`` and ``write_mo``, a few milliseconds), so a fresh
clone needs no build step and a compiled file can never be stale.

The core decides *which* language (the question's, see :mod:`bot.core.language`, or the
server's setting) and says what it means to say as a :class:`Phrase`; the front ends render
it with :func:`tr`. ``validate`` runs :func:`catalog_problems`: every message id marked in
the code must be translated, with the same ``{placeholders}``, in every shipped language.
"""

from __future__ import annotations

import datetime as dt
import gettext as _gettext
import io
import string
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent
LOCALE_DIR = PACKAGE_DIR / "locale"
DOMAIN = "messages"
SOURCE_LANGUAGE = "en"
LANGUAGES: dict[str, str] = {
    "en": "English",
    "es": "Español",
    "fr": "Français",
    "id": "Bahasa Indonesia",
    "it": "Italiano",
    "ko": "한국어",
    "pt": "Português",
    "vi": "Tiếng Việt",
}
"""Every language a reply can be framed in, by code, with its own name for itself."""
TRANSLATED = tuple(code for code in LANGUAGES if code != SOURCE_LANGUAGE)
KEYWORDS = {"N_": None, "tr": (2,), "ntr": (2, 3)}
"""How message ids are marked in the code, in Babel's extraction terms."""


def N_(msgid: str) -> str:
    """Mark ``msgid`` for the catalog without translating it here."""
    return msgid


@dataclass(frozen=True)
class Phrase:
    """A fixed sentence the core means to say: a message id and its ``{placeholder}`` values.
    The core keeps the English text (``english``) as the answer's body; a front end shows
    ``text(language)``."""

    msgid: str
    args: tuple[tuple[str, str | tuple[tuple[str, str], ...]], ...] = ()
    """Placeholder values: a text, or texts by language (``(("en", …), ("ko", …))``) for a
    value that is itself translated, such as the "Did you mean" choices."""

    @classmethod
    def of(cls, msgid: str, **args: object) -> Phrase:
        def value(v: object) -> str | tuple[tuple[str, str], ...]:
            return tuple((k, str(t)) for k, t in v.items()) if isinstance(v, dict) else str(v)

        return cls(msgid, tuple((k, value(v)) for k, v in args.items()))

    def _values(self, language: str) -> dict[str, str]:
        return {
            k: v if isinstance(v, str) else dict(v).get(language) or dict(v)[SOURCE_LANGUAGE]
            for k, v in self.args
        }

    def text(self, language: str | None = SOURCE_LANGUAGE) -> str:
        return tr(language, self.msgid).format(**self._values(supported(language)))

    @property
    def english(self) -> str:
        return self.msgid.format(**self._values(SOURCE_LANGUAGE))


def supported(language: str | None) -> str:
    """``language`` if a reply can be framed in it, else English."""
    return language if language in LANGUAGES else SOURCE_LANGUAGE


def po_path(language: str, locale_dir: Path = LOCALE_DIR) -> Path:
    return locale_dir / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(language: str) -> _gettext.NullTranslations:
    """The compiled catalog of ``language`` (English and unknown codes: the ids themselves)."""
    if language not in TRANSLATED:
        return _gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    from babel.support import Translations

    with po_path(language).open("rb") as po:
        catalog = read_po(po, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def tr(language: str | None, msgid: str) -> str:
    """``msgid`` in ``language`` (the id itself when it has no translation)."""
    return translations(supported(language)).gettext(msgid)


def ntr(language: str | None, singular: str, plural: str, count: int) -> str:
    """The singular or plural message, chosen by ``count`` with the language's plural rule."""
    return translations(supported(language)).ngettext(singular, plural, count)


def choose_language(detected: str | None, setting: str | None) -> str:
    """The reply's language: the question's when it was recognised, else the server's
    setting, else English."""
    return supported(detected or setting)


@lru_cache(maxsize=4096)
def localised_date(date: dt.date, language: str | None) -> str:
    """A full date as the language writes it ("23 July 2025", "23 de julio de 2025",
    "2025년 7월 23일"); English keeps the project's day-month-year form."""
    language = supported(language)
    if language == SOURCE_LANGUAGE:
        return f"{date.day} {date:%B %Y}"
    from babel.dates import format_date

    return format_date(date, format="long", locale=language)


@lru_cache(maxsize=1024)
def localised_month(year: int, month: int, language: str | None) -> str:
    """A month of a year as the language writes it ("August 2025", "août 2025",
    "2025년 8월")."""
    language = supported(language)
    if language == SOURCE_LANGUAGE:
        return f"{dt.date(year, month, 1):%B %Y}"
    from babel.dates import format_skeleton

    return format_skeleton("yMMMM", dt.date(year, month, 1), locale=language)


def localised_lists(
    items: Sequence[str], english: Callable[[Sequence[str]], str]
) -> dict[str, str]:
    """``items`` joined as each language lists things ("a, b and c", "a, b y c", "a, b 및 c");
    ``english`` keeps the project's own English form."""
    from babel.lists import format_list

    joined = {SOURCE_LANGUAGE: english(items)}
    for language in TRANSLATED:
        joined[language] = format_list(list(items), locale=language) if items else ""
    return joined


# ---------------------------------------------------------------------------- validation


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def marked_messages(roots: Iterable[Path] = (PACKAGE_DIR,)) -> dict[str, tuple[str, ...]]:
    """Every message id marked in the code (``N_``, ``tr``, ``ntr``), each with its plural id
    if it has one, found with Babel's Python extractor."""
    from babel.messages.extract import extract_from_dir

    found: dict[str, tuple[str, ...]] = {}
    for root in roots:
        method_map = [("**.py", "python")]
        for _, _, message, _, _ in extract_from_dir(
            str(root), method_map, keywords=KEYWORDS, strip_comment_tags=True
        ):
            ids = (message,) if isinstance(message, str) else tuple(message)
            found.setdefault(ids[0], ids)
    return found


def update_catalogs(locale_dir: Path = LOCALE_DIR) -> dict[str, int]:
    """Bring every shipped ``.po`` file in line with the messages marked in the code: new
    ones are added untranslated (``validate`` then lists them), gone ones dropped, every
    translation kept. Returns how many messages each language still lacks."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    template = Catalog(domain=DOMAIN)
    for ids in marked_messages().values():
        template.add(ids if len(ids) > 1 else ids[0])
    missing: dict[str, int] = {}
    for language in TRANSLATED:
        path = po_path(language, locale_dir)
        if path.exists():
            with path.open("rb") as po:
                catalog = read_po(po, locale=language, domain=DOMAIN)
        else:
            catalog = Catalog(locale=language, domain=DOMAIN, project="fanq-bot")
        template.creation_date = catalog.creation_date  # no change, no diff
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as po:
            write_po(po, catalog, width=100, sort_output=True, omit_header=False)
        missing[language] = sum(
            1
            for message in catalog
            if message.id
            and not all(message.string if isinstance(message.string, tuple) else [message.string])
        )
    return missing


def catalog_problems(locale_dir: Path = LOCALE_DIR) -> list[str]:
    """What is missing or wrong in the shipped catalogs, one line each (empty: complete)."""
    from babel.messages.pofile import read_po

    wanted = marked_messages()
    problems: list[str] = []
    for language in TRANSLATED:
        path = po_path(language, locale_dir)
        if not path.exists():
            problems.append(f"{path}: missing (the {LANGUAGES[language]} catalog)")
            continue
        with path.open("rb") as po:
            catalog = read_po(po, locale=language, domain=DOMAIN)
        for msgid, ids in sorted(wanted.items()):
            message = catalog.get(msgid)
            if message is None or message.fuzzy:
                problems.append(f"{path}: no translation of {msgid!r}")
                continue
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if not all(strings) or (len(ids) > 1 and len(strings) != catalog.num_plurals):
                problems.append(f"{path}: incomplete translation of {msgid!r}")
                continue
            expected = set().union(*(_placeholders(i) for i in ids))
            for text in strings:
                if _placeholders(text) != expected:
                    problems.append(
                        f"{path}: translation of {msgid!r} has placeholders "
                        f"{sorted(_placeholders(text))}, expected {sorted(expected)}"
                    )
    return problems
