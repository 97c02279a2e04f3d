"""French, Portuguese, Vietnamese and Italian replies: a question in one of them gets the
same claim, date and sources as the English question, in its language; a text with no
translation stays as written; the pack's translations say what the English says (its
numbers, names and emphasis); and the validator names the file and place of a bad one."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest

from bot.core.answer import Outcome
from bot.core.compose import compose, role_in
from bot.core.corrections import Stated, correction_text, dates_in, repeated_claim
from bot.core.engine import Engine
from bot.core.i18n import TRANSLATED, localised_date, ntr, tr
from bot.core.loader import load_knowledge
from bot.core.models import Claim, translated
from bot.core.normalise import tokens
from bot.core.problems import KnowledgeError
from bot.core.render import render_text, source_line

KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"
PACK = "all-of-us-are-dead"
NEW = ("fr", "pt", "vi", "it")
CASES = [
    # (language, a fan's question in it, the same question in English)
    ("fr", "combien d'épisodes aura la saison 2 ?", "how many episodes in s2"),
    ("vi", "mùa 1 kết thúc như thế nào với cheong-san", "how did season 1 end for cheong-san"),
    ("pt", "quantos episódios tem all of us are dead temporada 2", "how many episodes in s2"),
    ("it", "cheong-san è morto nella stagione 1?", "what about cheong-san"),
    ("fr", "cheong-san est mort ?", "what about cheong-san"),
]
NUMBER = re.compile(r"\d+")
ROMANISED_NAME = re.compile(r"\b[A-Z][a-z]+(?:-[a-z]+)+\b")
"""A romanised Korean given name as the pack writes it ("Ji-hu", "Nam-ra")."""


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(load_knowledge(KNOWLEDGE))


def test_the_new_languages_are_reply_languages() -> None:
    assert set(NEW) <= set(TRANSLATED)


@pytest.mark.parametrize(("language", "question", "english"), CASES)
def test_a_question_gets_the_english_answer_in_its_language(
    engine: Engine, language: str, question: str, english: str
) -> None:
    answer, reference = engine.ask(question), engine.ask(english)
    assert reference.outcome is Outcome.ANSWER and reference.language == "en"
    assert answer.outcome is Outcome.ANSWER and answer.language == language
    same = ("intent", "claim_id", "as_of", "sources", "entities", "spoiler")
    assert [getattr(answer, k) for k in same] == [getattr(reference, k) for k in same]
    body = answer.body_in(language)
    assert body != answer.body  # translated, not English
    assert set(NUMBER.findall(answer.body)) <= set(NUMBER.findall(body))
    text = render_text(answer)
    assert body in text and answer.body not in text
    if answer.as_of is not None:
        as_of = tr(language, "As of {date}").format(date=localised_date(answer.as_of, language))
        assert as_of in text.splitlines()
    assert f"{ntr(language, 'Source', 'Sources', len(answer.sources))}:" in text.splitlines()
    for source in answer.sources:
        assert f"  - {source_line(source, language)}" in text.splitlines()


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("la saison 2 sera-t-elle sur netflix en 2027 ?", "fr"),  # French "sera", not "será que"
        ("la saison 2 sera là quand ?", "fr"),
        ("será que a temporada 2 sai em 2027?", "pt"),
    ],
)
def test_french_sera_is_not_read_as_portuguese(
    real_engine: Engine, question: str, language: str
) -> None:
    answer = real_engine.ask(question)
    assert answer.outcome is Outcome.ANSWER and answer.intent == "release"
    assert answer.language == language


def _texts(engine: Engine) -> list[tuple[str, str, str]]:
    """(where, English, translation) for every translated text of the pack."""
    pack = engine.packs[PACK]
    found = []
    for claim in pack.claims.values():
        for name in ("answer", "summary", "correction"):
            for language in TRANSLATED:
                text = getattr(claim, f"{name}_{language}")
                if text:
                    found.append((f"{claim.id} {name}_{language}", getattr(claim, name), text))
    for character in pack.characters.values():
        items = [("note", s) for s in character.status]
        items += [("text", character.previous_fate)] if character.previous_fate else []
        for name, item in items:
            for language in TRANSLATED:
                text = getattr(item, f"{name}_{language}")
                if text:
                    where = f"{character.id} {name}_{language}"
                    found.append((where, getattr(item, name), text))
    return found


def test_the_translations_keep_the_numbers_names_and_emphasis(engine: Engine) -> None:
    texts = _texts(engine)
    assert len([t for t in texts if t[0].endswith(NEW)]) >= 4 * 40
    for where, english, text in texts:
        assert english.count("**") == text.count("**"), where
        assert re.findall(r"{\w+}", english) == re.findall(r"{\w+}", text), where
        if not where.endswith("_ko"):  # Korean writes names in Hangul, 5억 for 500 million
            assert set(NUMBER.findall(english)) <= set(NUMBER.findall(text)), where
            missing = set(ROMANISED_NAME.findall(english)) - set(ROMANISED_NAME.findall(text))
            assert not missing, (where, missing)


def _pack_copy(tmp_path: Path) -> Path:
    root = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, root)
    return root


@pytest.mark.parametrize(("language", "question", "english"), CASES[:3])
def test_without_a_translation_the_reply_keeps_the_english_text(
    tmp_path: Path, language: str, question: str, english: str
) -> None:
    root = _pack_copy(tmp_path)
    for path in (root / PACK).rglob("*.toml"):
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        kept = [x for x in lines if not re.match(rf"\w+_{language} = ", x)]
        path.write_text("".join(kept), encoding="utf-8")
    engine = Engine(load_knowledge(root))
    answer = engine.ask(question)
    assert answer.outcome is Outcome.ANSWER and answer.language == language
    reference = render_text(engine.ask(english))
    text = render_text(answer)
    written = [english for _, english, _ in _texts(Engine(load_knowledge(KNOWLEDGE)))]
    shown = [t for t in dict.fromkeys(written) if t in reference]
    assert shown  # the English reply shows pack texts...
    assert all(t in text for t in shown)  # ...which, untranslated, the reply shows as written
    assert f"{ntr(language, 'Source', 'Sources', len(answer.sources))}:" in text.splitlines()


@pytest.mark.parametrize(
    ("file", "field", "value", "where"),
    [
        ("claims/seeds-release.toml", "answer_vi", '""', "claim 'release-s1-premiere' field"),
        ("claims/seeds-release.toml", "answer_pt", "12", "claim 'release-s1-premiere' field"),
        ("characters.toml", "note_fr", '""', "character"),
    ],
)
def test_the_validator_names_the_file_and_place_of_a_bad_translation(
    tmp_path: Path, file: str, field: str, value: str, where: str
) -> None:
    root = _pack_copy(tmp_path)
    path = root / PACK / file
    text = path.read_text(encoding="utf-8")
    assert re.search(rf"^{field} = ", text, re.M)
    path.write_text(re.sub(rf"^{field} = .*$", f"{field} = {value}", text, count=1, flags=re.M))
    with pytest.raises(KnowledgeError) as raised:
        load_knowledge(root)
    message = str(raised.value)
    assert f"{PACK}/{file}:" in message and where in message and field in message


def test_a_text_without_its_translation_is_shown_as_written() -> None:
    claim = Claim.model_validate(
        {
            "id": "c",
            "topic": "t",
            "answer": "Out now.",
            "answer_fr": "Disponible.",
            "sources": ["s"],
            "status": "confirmed",
        }
    )
    assert translated(claim, "answer", "fr") == "Disponible."
    assert translated(claim, "answer", "vi") == "Out now."
    assert claim.translations == {"fr": "Disponible."}


@pytest.mark.parametrize("language", NEW)
def test_timeline_steps_are_in_the_reply_language(engine: Engine, language: str) -> None:
    pack = engine.packs[PACK]
    timeline = engine.timeline("release")
    assert timeline.steps
    for step in timeline.steps:
        claim = pack.claims[step.claim_id]
        shown = step.text_in(language)
        assert step.text_in("en") == step.text == (claim.summary or claim.answer)
        if claim.summary:
            assert shown == claim.summary_in(language)
        else:
            assert shown == claim.translations.get(language, claim.answer)
    assert any(s.text_in(language) != s.text for s in timeline.steps)


@pytest.mark.parametrize("language", TRANSLATED)
def test_a_person_card_names_the_role_in_the_reply_language(engine: Engine, language: str) -> None:
    pack = engine.packs[PACK]
    person = next(p for p in pack.people.values() if p.roles and "actor" not in p.roles)
    composed = compose(pack, "cast", [person.id])
    assert composed is not None
    role = person.roles[0]
    assert role in composed.body
    assert role_in(pack, role, language) != role  # the pack gives every role a translation
    assert role_in(pack, role, language) in composed.translations[language]
    assert role_in(pack, "an unknown role", language) == "an unknown role"


def test_a_corrected_date_is_written_the_reply_language_way(engine: Engine) -> None:
    pack = engine.packs[PACK]
    found = repeated_claim(pack, "is season 2 out on 14 august 2025")
    assert found is not None and found.date is not None
    assert found.stated_in("en") == found.stated
    for language in TRANSLATED:
        said = localised_date(dt.date(2025, 8, 14), language)
        assert found.stated_in(language) == said
        assert said in correction_text(pack, found, language)
    month = repeated_claim(pack, "season 2 in april 2025?")
    assert month is not None and month.date is not None and month.date.day is None
    assert "2025" in month.stated_in("fr") and month.stated_in("fr") != month.stated


@pytest.mark.parametrize(
    "question",
    [
        "la saison 2 sort le 14 août 2025 ?",
        "a 2ª temporada estreia em 14 de agosto de 2025?",
        "la stagione 2 esce il 14 agosto 2025?",
        "phần 2 ra mắt ngày 14 tháng 8 năm 2025 phải không",
    ],
)
def test_a_date_written_the_reply_language_way_is_read_for_a_correction(
    engine: Engine, question: str
) -> None:
    found = repeated_claim(engine.packs[PACK], question)
    assert found is not None and found.date is not None
    assert (found.date.year, found.date.month, found.date.day) == (2025, 8, 14)


@pytest.mark.parametrize(
    ("text", "stated"),
    [
        ("saison 2 le 1er août 2025", Stated(2025, 8, 1)),
        ("phần 2 tháng 8 năm 2025", Stated(2025, 8)),  # "phần 2" numbers a season
        ("stagione 2 agosto 2025", Stated(2025, 8)),
        ("ngày 14 tháng 13 năm 2025", Stated(2025)),  # no 13th month
        ("des nouvelles de la saison 2 en 2026", Stated(2026)),  # French "des", not December
        ("is season 2 out 2026", Stated(2026)),  # not Portuguese "out(ubro)"
    ],
)
def test_dates_in_reads_day_month_and_year_but_not_a_season_number(
    text: str, stated: Stated
) -> None:
    assert dates_in(tokens(text)) == [stated]


def test_a_corrected_estimate_is_its_claim_summary_in_the_reply_language(
    engine: Engine,
) -> None:
    pack = engine.packs[PACK]
    found = repeated_claim(pack, "is it still coming in the second half of 2025")
    assert found is not None and found.date is None
    assert found.claim.summary and found.claim.summary.casefold() == found.stated.casefold()
    for language in NEW:
        assert found.stated_in(language) == found.claim.summary_in(language) != found.stated
