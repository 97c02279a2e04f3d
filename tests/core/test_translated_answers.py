"""The knowledge's own texts in the fan's language: a claim's answer (``answer_es``…), the
summaries named in "earlier estimates" notes (``summary_es``…), corrections
(``correction_es``…), and a character's season status note and season 1 fate (``note_es``…,
``text_es``…). English stays when a text has no translation; ``validate`` checks them."""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path

import pytest

from bot.core.answer import Answer, Outcome
from bot.core.engine import Engine
from bot.core.i18n import TRANSLATED
from bot.core.loader import Pack, load_knowledge
from bot.core.models import CastStatus, Claim
from bot.core.problems import KnowledgeError
from bot.core.ranking import latest
from bot.core.render import render_text

KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"
PACK = "all-of-us-are-dead"
HANGUL = re.compile(r"[\uac00-\ud7a3]")
RELEASE_QUESTIONS = {
    "es": "cuando sale la temporada 2",
    "id": "kapan season 2 rilis",
    "ko": "시즌2 언제 나와요",
}
CHARACTER_QUESTIONS = {  # (question, character id), as fans write them
    "es": ("¿Nam-ra vuelve en la temporada 2?", "choi-nam-ra"),
    "id": ("gimana kabar Cheong-san", "lee-cheong-san"),
    "ko": ("청산이 죽었어?", "lee-cheong-san"),
}


def english_sentences(text: str) -> list[str]:
    """The sentences of an English text, long enough not to be a name or a date."""
    return [s for s in re.split(r"(?<=[.;:])\s+", text) if len(s) > 20]


def shown(answer: Answer, language: str | None = None) -> str:
    return render_text(answer, language)


def _pack(engine: Engine) -> Pack:
    return engine.packs[PACK]


@pytest.mark.parametrize("language", sorted(RELEASE_QUESTIONS))
def test_a_release_question_gets_the_claim_in_the_fan_language(
    real_engine: Engine, language: str
) -> None:
    answer = real_engine.ask(RELEASE_QUESTIONS[language])
    assert answer.outcome is Outcome.ANSWER and answer.language == language
    claim = _pack(real_engine).claims[answer.claim_id or ""]
    text = shown(answer)
    assert text.splitlines()[0] == claim.translations[language]
    for sentence in english_sentences(claim.answer):
        assert sentence not in text
    assert answer.body == claim.answer  # the English text stays the answer's own


@pytest.mark.parametrize("language", sorted(RELEASE_QUESTIONS))
def test_the_earlier_estimates_are_named_in_the_fan_language(
    real_engine: Engine, language: str
) -> None:
    pack = _pack(real_engine)
    answer = real_engine.ask(RELEASE_QUESTIONS[language])
    claim = pack.claims[answer.claim_id or ""]
    older = [pack.claims[c] for c in claim.supersedes]
    assert older and answer.note_phrases
    assert any(old.summary_in(language) != old.summary for old in older)
    note = shown(answer).splitlines()[1]
    assert note == answer.note_phrases[0].text(language)
    for old in older:
        translated = old.summary_in(language)
        assert translated and translated in note
        if old.summary and old.summary not in translated:
            assert old.summary not in note  # "second half of 2025" is not in a Spanish line


@pytest.mark.parametrize("language", sorted(CHARACTER_QUESTIONS))
def test_a_character_question_gets_its_status_and_fate_in_the_fan_language(
    real_engine: Engine, language: str
) -> None:
    question, character_id = CHARACTER_QUESTIONS[language]
    pack = _pack(real_engine)
    character = pack.characters[character_id]
    answer = real_engine.ask(question)
    assert answer.outcome is Outcome.ANSWER and answer.intent == "character"
    assert answer.language == language
    status = latest(pack, list(character.status))
    assert status is not None and status.note and character.previous_fate
    text = shown(answer)
    assert status.note_in(language) in answer.body_in(language)
    assert character.previous_fate.text_in(language) in answer.spoiler_text_in(language)
    for english in (status.note, character.previous_fate.text):
        for sentence in english_sentences(english):
            assert sentence not in text
    assert "is played by" not in text and "returns in season" not in text
    assert "Season 1:" not in text
    # The English answer is unchanged underneath.
    assert status.note in answer.body and character.previous_fate.text in answer.spoiler_text


def test_korean_replies_name_people_by_the_hangul_alias_the_pack_gives(
    real_engine: Engine,
) -> None:
    question, character_id = CHARACTER_QUESTIONS["ko"]
    pack = _pack(real_engine)
    character = pack.characters[character_id]
    actor = pack.people[character.played_by[0]]
    text = shown(real_engine.ask(question))
    assert "**이청산**" in text and "**윤찬영**" in text  # aliases in characters/people.toml
    assert character.name not in text and actor.name not in text
    lines = shown(real_engine.answer_intent("cast", ["yoon-gwi-nam"]), "ko")
    assert "**윤귀남**" in lines  # the Hangul alias characters.toml cites
    ha_ri = pack.characters["ha-ri"]
    lines = shown(real_engine.answer_intent("cast", ["ha-ri"]), "ko")
    assert "**하리**" in lines  # her one Hangul alias
    player = pack.people[ha_ri.played_by[0]]  # no Hangul alias: romanised as written
    assert not any(HANGUL.search(alias) for alias in player.aliases)
    assert f"**{player.name}**" in lines


def test_a_correction_is_given_in_the_fan_language(real_engine: Engine) -> None:
    answer = real_engine.ask("¿la temporada 2 salió el 14 de agosto de 2025?")
    assert answer.extra.get("corrected") == "release-fake-already-released"
    claim = _pack(real_engine).claims["release-fake-already-released"]
    first = shown(answer).splitlines()[0]
    spanish = (claim.correction_es or "").split("{stated}")[-1]
    assert first.startswith("**No:** ") and spanish and first.endswith(spanish)
    assert (claim.correction or "").split("{stated}")[-1] not in first
    assert answer.body.startswith("**No:** 14 August 2025 was never announced")


# ---------------------------------------------------------------------------- fallback


def _pack_copy(tmp_path: Path) -> Path:
    root = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, root)
    return root


def _drop_lines(path: Path, prefix: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith(prefix)]
    assert len(kept) < len(lines), f"no {prefix} line in {path}"
    path.write_text("".join(kept), encoding="utf-8")


def test_a_missing_translation_falls_back_to_english(tmp_path: Path) -> None:
    root = _pack_copy(tmp_path)
    folder = root / PACK
    _drop_lines(folder / "claims" / "news-2025-2026-release.toml", "answer_es = ")
    _drop_lines(folder / "claims" / "news-2025-2026-release.toml", "summary_es = ")
    _drop_lines(folder / "characters.toml", "note_es = ")
    _drop_lines(folder / "characters.toml", "text_es = ")
    engine = Engine(load_knowledge(root))
    pack = _pack(engine)

    release = engine.answer_intent("release")
    claim = pack.claims[release.claim_id or ""]
    assert not claim.answer_es and claim.answer_ko
    spanish = shown(release, "es").splitlines()
    assert spanish[0] == claim.answer  # as written
    assert "second half of 2025" in spanish[1]  # the summary as written, in a Spanish frame
    assert spanish[1] != release.notes[0]
    assert shown(release, "ko").splitlines()[0] == claim.answer_ko  # others are kept

    answer = engine.answer_intent("character", ["lee-cheong-san"])
    character = pack.characters["lee-cheong-san"]
    status = latest(pack, list(character.status))
    assert status is not None and status.note and not status.note_es
    assert character.previous_fate is not None
    text = shown(answer, "es")
    assert status.note in text and character.previous_fate.text in text
    assert "vuelve en la temporada 2" in text  # the frame is still Spanish
    assert status.note_ko and status.note_ko in shown(answer, "ko")


# -------------------------------------------------------------------------- validation


def _claim(**fields: object) -> dict[str, object]:
    return {
        "id": "c",
        "topic": "release",
        "answer": "An answer.",
        "sources": ["s"],
        "status": "confirmed",
        **fields,
    }


def test_translations_of_the_other_texts_are_read() -> None:
    claim = Claim.model_validate(
        _claim(summary="late 2026", summary_ko="2026년 말", correction="{stated} is false.")
    )
    assert claim.summary_in("ko") == "2026년 말"
    assert claim.summary_in("es") == "late 2026"  # none written: as written
    assert claim.summary_in(None) == "late 2026"
    assert claim.correction_in("id") == "{stated} is false."
    status = CastStatus.model_validate(
        {"status": "returning", "sources": ["s"], "note": "Back.", "note_es": "Vuelve."}
    )
    assert status.note_in("es") == "Vuelve." and status.note_in("ko") == "Back."


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"summary": "x", "summary_ko": ""}, "summary_ko"),
        ({"summary_es": "algo"}, "summary_es given, but not the text it translates"),
        ({"summary": "x", "summary_de": "etwas"}, "summary_de"),
        (
            {"correction": "{stated} is false.", "correction_es": "Es falso."},
            "correction_es must say {stated}",
        ),
        ({"correction": "x", "correction_id": "{when} salah"}, "unknown placeholder"),
    ],
)
def test_claim_text_translations_are_validated(fields: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Claim.model_validate(_claim(**fields))


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("note_es = ", 'note_es = ""\nnote_xx = ', "note_es|note_xx"),
        ("text_ko = ", "text_kr = ", "text_kr"),
    ],
)
def test_character_translations_are_validated(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    root = _pack_copy(tmp_path)
    path = root / PACK / "characters.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=message):
        load_knowledge(root)


def test_a_note_translation_needs_the_note(tmp_path: Path) -> None:
    root = _pack_copy(tmp_path)
    path = root / PACK / "characters-news.toml"
    text = path.read_text(encoding="utf-8")
    head, _, rest = text.partition('status = "new"\n')
    path.write_text(f'{head}status = "new"\nnote_ko = "새 인물"\n{rest}', encoding="utf-8")
    with pytest.raises(KnowledgeError, match="no note to translate"):
        load_knowledge(root)


def test_the_shipped_translations_validate_and_say_the_same_names() -> None:
    """Every translation loads, and keeps the bold and the romanised names of its English
    text (Korean may name a character or actor by the Hangul alias the pack gives)."""
    pack = load_knowledge(KNOWLEDGE).packs[0]
    hangul = {
        item.name: [a for a in item.aliases if re.fullmatch(r"[\uac00-\ud7a3]+", a)]
        for item in (*pack.characters.values(), *pack.people.values())
    }
    pairs = [(c.answer, c.translations) for c in pack.claims.values()]
    for character in pack.characters.values():
        if character.previous_fate:
            fate = character.previous_fate
            pairs.append((fate.text, {x: fate.text_in(x) for x in TRANSLATED}))
        for status in character.status:
            if status.note:
                pairs.append((status.note, {x: status.note_in(x) or "" for x in TRANSLATED}))
    checked = 0
    for english, translations in pairs:
        for language, text in translations.items():
            if text == english:
                continue
            checked += 1
            assert text.count("**") == english.count("**"), (language, text)
            for name, korean in hangul.items():
                if name in english and language != "ko":
                    assert name in text, (language, name, text)
                elif name in english:
                    assert name in text or any(k in text for k in korean), (name, text)
    assert checked >= 100


def test_an_answer_without_a_language_is_english(real_engine: Engine) -> None:
    answer = dataclasses.replace(real_engine.ask(RELEASE_QUESTIONS["es"]), language=None)
    assert shown(answer).splitlines()[0] == answer.body
