"""Replies framed in the fan's language: detection, the gettext catalogs (complete, and
checked by ``validate``), the fixed words of a reply, and the claims' own translations."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from pathlib import Path

import pytest

from bot.cli import main
from bot.core.answer import Outcome
from bot.core.engine import Engine
from bot.core.i18n import (
    LANGUAGES,
    LOCALE_DIR,
    TRANSLATED,
    catalog_problems,
    choose_language,
    localised_date,
    marked_messages,
    ntr,
    po_path,
    tr,
    update_catalogs,
)
from bot.core.language import detect_language
from bot.core.loader import load_knowledge
from bot.core.models import Status, Tier
from bot.core.problems import KnowledgeError
from bot.core.render import STATUS_WORDS, TIER_WORDS, TIMELINE_MARKS, render_text

KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"
PACK = "all-of-us-are-dead"
QUESTIONS = {
    # language: (a release question, an off-topic question), as fans write them
    "es": ("cuándo sale la temporada 2 de la serie", "qué tiempo hace hoy en madrid"),
    "id": ("kapan season 2 akan tayang di netflix", "bagaimana cuaca besok di kota kita"),
    "ko": ("시즌2 언제 나와요?", "내일 날씨 어때요?"),
}


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(load_knowledge(KNOWLEDGE))


# ------------------------------------------------------------------------------ detection


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("when is season 2 coming out", "en"),
        ("is season 2 cancelled?", "en"),
        ("cuándo sale la temporada 2", "es"),
        ("la serie fue cancelada?", "es"),
        ("kapan season 2 tayang", "id"),
        ("apakah season 2 dibatalkan", "id"),
        ("시즌2 언제 나와요", "ko"),
        ("지금 우리 학교는 시즌2 공개일", "ko"),
        ("what's the korean title 지금 우리 학교는", "en"),  # a quoted title is not Korean
        ("¿ya salió la temporada 2?", "es"),  # was called Indonesian
        ("¡¡no puede ser, otra vez sin fecha!!", "es"),
        ("s2?", None),
        ("", None),
    ],
)
def test_the_question_language_is_detected(engine: Engine, text: str, language: str | None) -> None:
    assert detect_language(text, engine.clues) == language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("is namra dead", "en"),  # romanised names and typos read as Indonesian
        ("who plyas on-jo", "en"),
        ("did cheong san dye", "en"),
        ("is su hyuk coming bak", "en"),
        ("on jo dad died?", None),  # too short to tell: not Spanish
        ("apakah nam-ra kembali di season 2?", "id"),
        ("quando sai a segunda temporada", "pt"),  # was Spanish before Portuguese had a catalog
        ("ilk sezon kaç bölüm, bölümler kaç dakika", None),  # Turkish: no catalog, not French
        ("all of us are dead s2 kapan tayang", "id"),  # the title's "are" is no English
        ("cheongsan s2 ??", None),  # only a name and a season: was called Indonesian
        ("lee cheong-san s2!!", None),
        ("on-jo 2025??", None),
    ],
)
def test_the_pack_words_that_ask_tell_the_language(
    engine: Engine, text: str, language: str | None
) -> None:
    assert detect_language(text, engine.clues) == language
    assert engine.ask(text).language == language


def test_the_fan_language_wins_then_the_server_setting_then_english() -> None:
    assert choose_language("ko", "es") == "ko"
    assert choose_language(None, "es") == "es"
    assert choose_language(None, None) == "en"
    assert choose_language("de", None) == "en"  # no catalog: English


# ------------------------------------------------------------------------------ catalogs


def test_every_shipped_catalog_is_complete() -> None:
    assert set(TRANSLATED) >= {"ko", "es", "id"}
    assert len(marked_messages()) >= 15
    assert catalog_problems() == []


def test_catalogs_are_read_from_the_po_files_through_babel() -> None:
    for language in TRANSLATED:
        assert po_path(language).is_file()
        translated = tr(language, "As of {date}")
        assert translated != "As of {date}" and "{date}" in translated
    assert tr("en", "As of {date}") == "As of {date}"


def _break(locale: Path, language: str, old: str, new: str) -> None:
    path = po_path(language, locale)
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_validate_reports_a_missing_or_wrong_translation(tmp_path: Path) -> None:
    locale = tmp_path / "locale"
    shutil.copytree(LOCALE_DIR, locale)
    _break(locale, "ko", 'msgstr "{date} 기준"', 'msgstr ""')
    _break(locale, "es", 'msgstr "Confianza {percent}"', 'msgstr "Confianza {porcentaje}"')
    problems = catalog_problems(locale)
    assert len(problems) == 2, problems
    assert any("translation of 'As of {date}'" in p and "/ko/" in p for p in problems)
    assert any("Confidence {percent}" in p and "placeholders" in p for p in problems)


def test_validate_command_checks_the_catalogs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(KNOWLEDGE)]) == 0
    out = capsys.readouterr().out
    assert "OK: message catalogs complete" in out


def test_every_claim_status_has_a_catalog_word() -> None:
    assert set(STATUS_WORDS) == {status.value for status in Status}


def test_dates_are_written_the_language_way() -> None:
    day = dt.date(2025, 7, 23)
    assert localised_date(day, "en") == "23 July 2025"
    shown = {language: localised_date(day, language) for language in TRANSLATED}
    assert all("2025" in text and "23" in text for text in shown.values())
    assert len(set(shown.values())) == len(shown)  # each its own way, none the English one
    assert "23 July 2025" not in shown.values()


# ------------------------------------------------------------------------------ replies


@pytest.mark.parametrize("language", sorted(QUESTIONS))
def test_a_reply_fixed_words_follow_the_question_language(engine: Engine, language: str) -> None:
    question, off_topic = QUESTIONS[language]
    answer = engine.ask(question)
    assert answer.outcome is Outcome.ANSWER and answer.intent == "release"
    assert answer.language == language
    text = render_text(answer)
    assert answer.as_of is not None
    as_of = tr(language, "As of {date}").format(date=localised_date(answer.as_of, language))
    assert as_of in text.splitlines()
    assert f"{ntr(language, 'Source', 'Sources', len(answer.sources))}:" in text.splitlines()
    assert "As of " not in text and "Sources:" not in text

    declined = engine.ask(off_topic)
    assert declined.outcome is Outcome.DECLINE and declined.language == language
    assert declined.phrase is not None
    shown = render_text(declined)
    assert shown == declined.phrase.text(language) != declined.body
    assert "Sorry" not in shown and "only answer" not in shown


def test_english_questions_keep_english_replies(engine: Engine) -> None:
    answer = engine.ask("when is season 2 coming out")
    assert answer.language == "en"
    assert render_text(answer, "ko") == render_text(answer)  # the fan's language wins
    assert "As of " in render_text(answer)


def test_a_question_of_names_and_numbers_uses_the_server_setting_or_english(
    engine: Engine,
) -> None:
    answer = engine.ask("cheongsan s2 ??")  # an answer or a "Did you mean", framed alike
    assert answer.language is None
    assert render_text(answer) == render_text(answer, "en")  # no setting: English
    assert render_text(answer, "es") != render_text(answer)  # the server's setting


def test_an_unclear_question_uses_the_server_setting(engine: Engine) -> None:
    answer = engine.answer_intent("release")  # a slash command: no question typed
    assert answer.language is None
    text = render_text(answer, "es")
    assert tr("es", "As of {date}").split("{")[0] in text and "As of " not in text


def test_a_claim_translation_is_used_when_present(engine: Engine) -> None:
    pack = engine.packs[PACK]
    translated = [c for c in pack.claims.values() if c.translations]
    assert translated, "the pack has at least one translated claim"
    answers = [(c, engine.answer_intent(c.topic)) for c in translated]
    claim, answer = next((c, a) for c, a in answers if a.claim_id == c.id)
    for language, text in claim.translations.items():
        assert render_text(answer, language).splitlines()[0] == text
    assert render_text(answer, "en").splitlines()[0] == claim.answer


def test_without_a_translation_the_claim_text_stays_as_written(tmp_path: Path) -> None:
    root = _pack_copy(tmp_path)
    path = root / PACK / "claims" / "news-2025-2026-release.toml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(x for x in lines if not x.startswith("answer_")), encoding="utf-8")
    engine = Engine(load_knowledge(root))
    answer = engine.ask(QUESTIONS["es"][0])
    pack = engine.packs[PACK]
    assert answer.claim_id is not None and not pack.claims[answer.claim_id].translations
    assert answer.body in render_text(answer)


def _pack_copy(tmp_path: Path) -> Path:
    root = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, root)
    return root


@pytest.mark.parametrize(
    ("line", "message"),
    [('answer_ko = ""', "answer_ko"), ('answer_de = "Auf Netflix."', "answer_de")],
)
def test_claim_translations_are_validated(tmp_path: Path, line: str, message: str) -> None:
    root = _pack_copy(tmp_path)
    path = root / PACK / "claims" / "seeds-where-to-watch.toml"
    text = path.read_text(encoding="utf-8")
    head, _, rest = text.partition('status = "confirmed"\n')
    path.write_text(f'{head}status = "confirmed"\n{line}\n{rest}', encoding="utf-8")
    with pytest.raises(KnowledgeError, match=message):
        load_knowledge(root)


def test_every_language_has_a_name_for_settings() -> None:
    assert set(LANGUAGES) == {"en", *TRANSLATED}
    assert all(LANGUAGES.values())


def test_did_you_mean_choices_use_the_pack_translated_questions(engine: Engine) -> None:
    pack = engine.packs[PACK]
    answer = engine.ask("온조는?")
    assert answer.outcome is Outcome.ASK_BACK and answer.language == "ko"
    text = render_text(answer)
    assert text.startswith(
        tr("ko", "I'm not sure what you're asking. Did you mean:\n{choices}")[:8]
    )
    for suggestion in answer.suggestions:
        names = [pack.characters[e].name for e in suggestion.entities if e in pack.characters]
        translated = pack.intents[suggestion.intent].question_in("ko", names)
        assert translated is not None and suggestion.label_in("ko") == translated
        assert f"• {translated}" in text.splitlines()
        assert f"• {suggestion.label}" not in text.splitlines()
    assert answer.body.startswith("I'm not sure what you're asking.")  # English kept as body


def test_intent_translations_are_validated(tmp_path: Path) -> None:
    root = _pack_copy(tmp_path)
    path = root / PACK / "intents.toml"
    text = path.read_text(encoding="utf-8")
    old = next(line for line in text.splitlines() if line.startswith("question_about_ko = "))
    path.write_text(text.replace(old, 'question_about_ko = "누가 나오나요?"', 1), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"question_about_ko.*\{name\}"):
        load_knowledge(root)


def test_every_timeline_mark_and_tier_has_a_catalog_word(engine: Engine) -> None:
    marks = {m for topic in engine.topics() for s in engine.timeline(topic).steps for m in s.marks}
    assert marks and marks <= set(TIMELINE_MARKS)
    assert set(TIER_WORDS) == {tier.value for tier in Tier}


def test_notes_are_framed_in_the_reply_language(engine: Engine) -> None:
    answer = engine.ask(QUESTIONS["es"][0])
    assert answer.notes and len(answer.note_phrases) == len(answer.notes)
    text = render_text(answer).splitlines()
    for note, phrase in zip(answer.notes, answer.note_phrases, strict=True):
        assert phrase.english == note  # the English text stays the answer's own
        assert phrase.text("es") in text and note not in text


def test_a_disagreement_note_is_translated_with_its_dates(mini_engine: Engine) -> None:
    answer = mini_engine.answer_intent("production")
    (phrase,) = [p for p in answer.note_phrases if p.msgid.startswith("Sources disagree")]
    spanish = phrase.text("es")
    assert spanish.startswith(tr("es", "Sources disagree: {outlets} says {label}; {others}.")[:10])
    assert "(1 de febrero de 2025)" in spanish and "(1 February 2025)" not in spanish
    assert "(1 February 2025)" in phrase.english


def test_catalogs_command_adds_a_new_message_untranslated(tmp_path: Path) -> None:
    locale = tmp_path / "locale"
    shutil.copytree(LOCALE_DIR, locale)
    path = po_path("id", locale)
    text = path.read_text(encoding="utf-8")
    entry = '#, python-brace-format\nmsgid "As of {date}"\nmsgstr "Per {date}"\n\n'
    assert entry in text
    path.write_text(text.replace(entry, ""), encoding="utf-8")  # as if the code had a new id
    assert any("'As of {date}'" in p for p in catalog_problems(locale))
    assert update_catalogs(locale) == {language: int(language == "id") for language in TRANSLATED}
    updated = path.read_text(encoding="utf-8")
    assert 'msgid "As of {date}"\nmsgstr ""' in updated
    assert 'msgstr[0] "Sumber"' in updated  # the other translations are kept
    assert [p for p in catalog_problems(locale) if "/id/" in p] == [
        f"{path}: incomplete translation of 'As of {{date}}'"
    ]
    empty = tmp_path / "empty"  # a new project: every message to translate
    assert update_catalogs(empty) == dict.fromkeys(TRANSLATED, len(marked_messages()))


@pytest.mark.parametrize(
    ("question", "language", "lead"),
    [
        ("apakah season 2 dibatalkan", None, "**Tidak.**"),  # the fan's own language
        ("is season 2 cancelled", "ko", "**아니요.**"),  # the server's setting
        ("is season 2 renewed", "es", "**Sí.**"),
        ("is roh yoon-seo coming back", "id", "**Kabarnya, tidak.**"),
        ("is roh yoon-seo coming back", "ko", "**보도에 따르면 아니요.**"),
        ("is season 2 coming out in 2024", "es", "**No:** "),
        ("is season 2 coming out in 2024", "id", "**Tidak:** "),
    ],
)
def test_the_yes_or_no_first_is_in_the_reply_language(
    real_engine: Engine, question: str, language: str | None, lead: str
) -> None:
    answer = real_engine.ask(question)
    assert answer.outcome is Outcome.ANSWER
    if language is not None:  # as if the question had not shown its language
        answer = dataclasses.replace(answer, language=None)
    text = render_text(answer, language)
    assert text.startswith(lead), text
    # The answer after its lead, in the reply's language (the claim's translation, or its
    # English text when it has none).
    rest = answer.body_in(language or answer.language).split("** ", 1)[1]
    assert rest in text


def test_the_yes_or_no_first_keeps_a_claim_translation(engine: Engine) -> None:
    pack = engine.packs[PACK]
    answer = engine.ask("is season 2 cancelled")
    claim = pack.claims[answer.claim_id or ""]
    for language in TRANSLATED:
        text = render_text(dataclasses.replace(answer, language=None), language)
        rest = text.split("** ", 1)[1]
        assert rest.startswith(claim.translations.get(language, claim.answer)), text
