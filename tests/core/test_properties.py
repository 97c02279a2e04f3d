"""Property tests: the pipeline never raises, whatever text a fan sends."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.answer import Outcome
from bot.core.engine import Engine
from bot.core.normalise import clean, compact, tokens
from bot.core.render import JSON_KEYS, render_text, to_json

EMOJI = st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF)
PROFILE = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def check(engine: Engine, text: str) -> None:
    answer = engine.ask(text)
    assert answer.outcome in Outcome
    assert 0.0 <= answer.confidence <= 1.0
    assert tuple(to_json(answer)) == JSON_KEYS
    assert render_text(answer)


@PROFILE
@given(st.text(max_size=4000))
def test_any_unicode_up_to_4000_characters(mini_engine: Engine, text: str) -> None:
    check(mini_engine, text)


@PROFILE
@given(st.text(alphabet=EMOJI, min_size=1, max_size=4000))
def test_only_emoji(mini_engine: Engine, text: str) -> None:
    check(mini_engine, text)
    assert not mini_engine.ask(text).answered


@PROFILE
@given(st.text(alphabet=" \t\n\r\u00a0\u2003\u3000", max_size=200))
def test_only_whitespace(mini_engine: Engine, text: str) -> None:
    assert not mini_engine.ask(text).answered


def test_empty(mini_engine: Engine) -> None:
    assert mini_engine.ask("").outcome is Outcome.DECLINE


def test_4000_characters_of_emoji_and_mentions(mini_engine: Engine) -> None:
    check(mini_engine, "🧟‍♂️" * 1000)
    check(mini_engine, "<@123> @everyone <@&456> **" * 200)


@given(st.text(max_size=300))
def test_normalisation_is_idempotent(text: str) -> None:
    once = clean(text)
    assert clean(once) == once
    assert tokens(" ".join(tokens(text))) == tokens(text)
    assert " " not in compact(text)


def test_normalisation_examples() -> None:
    assert tokens("Whennnn is **S2** out?? 🧟") == ["when", "is", "s2", "out"]
    assert tokens("¿Cuándo sale la temporada 2?") == ["cuando", "sale", "la", "temporada", "2"]
    assert compact("Cheong-san") == compact("cheong san") == compact("CHEONGSAN")
    assert tokens("지금 우리 학교는") == ["지금", "우리", "학교는"]
    assert tokens("<@123> @everyone hi") == ["hi"]
