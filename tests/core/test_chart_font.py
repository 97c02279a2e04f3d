"""The timeline picture's words in Korean when an installed font has Hangul (e.g. Debian's
fonts-nanum, which ``.ci/run`` installs), in English otherwise: never empty boxes."""

from __future__ import annotations

import dataclasses
import os

import pytest

from bot.core import chart
from bot.core.chart import font_for, render_timeline
from bot.core.engine import Engine
from bot.core.i18n import tr

HANGUL = tr("ko", "Timeline: {topic}")


@pytest.fixture(scope="module")
def engine(real_knowledge: object) -> Engine:
    return Engine(real_knowledge)  # type: ignore[arg-type]


def test_the_default_font_draws_latin_and_no_font_draws_unassigned_code_points() -> None:
    assert font_for("Timeline: release") is not None
    assert font_for("\U0010fffd\U000e01ef") is None  # private use and a rare selector


def test_without_a_hangul_font_the_korean_picture_is_in_english(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = chart.font_for
    monkeypatch.setattr(chart, "font_for", lambda text: None if text.strip() else real(text))
    timeline = engine.timeline("release")
    korean = render_timeline(timeline, "release", "ko")
    english = render_timeline(timeline, "release")
    assert korean.language is None and korean.png == english.png
    assert korean.points == english.points


def test_with_a_hangul_font_the_korean_picture_is_in_korean(engine: Engine) -> None:
    family = font_for(HANGUL)
    if family is None:
        if os.environ.get("CI") == "true":
            pytest.fail("no font with Hangul installed: .ci/run installs fonts-nanum")
        pytest.skip("no font with Hangul installed (Debian: apt-get install fonts-nanum)")
    timeline = engine.timeline("release")
    korean = render_timeline(timeline, "release", "ko")
    english = render_timeline(timeline, "release")
    assert (korean.language, korean.font) == ("ko", family)
    assert korean.png != english.png
    same = [dataclasses.replace(p, label="") for p in korean.points]
    assert same == [dataclasses.replace(p, label="") for p in english.points]
    assert any(k.label != e.label for k, e in zip(korean.points, english.points, strict=True))
    assert english.font == font_for("Timeline: release") != family or english.font == family
