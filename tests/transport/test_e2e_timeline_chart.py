"""``/timeline topic`` attaches a PNG chart of how the answer moved, and its points are the
pack's claims: the real FanBot against the fake Discord, and the renderer on its own."""

from __future__ import annotations

import dataclasses
import io
import struct
import subprocess
import sys

from PIL import Image

from bot.core.chart import (
    HEIGHT_PX,
    STATUS_LEVELS,
    TIER_COLOURS,
    WIDTH_PX,
    Chart,
    ChartPoint,
    render_timeline,
)
from bot.core.ranking import claim_date
from bot.transport.bot import FanBot

from .fake_discord import FakeDiscord, option

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, which a valid PNG has first."""
    assert data.startswith(PNG_SIGNATURE)
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    return struct.unpack(">II", data[16:24])


async def test_timeline_attaches_the_chart_to_its_reply(
    running: tuple[FanBot, FakeDiscord],
) -> None:
    bot, fake = running
    payload = fake.command_interaction("timeline", option("topic", "release"))
    since = fake.mark()
    callback = await fake.interact(payload, settle=bot)
    (embed,) = callback.json["data"]["embeds"]
    assert "image" not in embed  # the text goes out at once, the picture follows
    edit = await fake.wait_for_webhook(payload["token"], method="PATCH", since=since, timeout=60)
    (picture,) = edit.files
    assert picture.filename == "timeline-release.png"
    assert png_size(picture.data) == (WIDTH_PX, HEIGHT_PX)
    with Image.open(io.BytesIO(picture.data)) as image:
        image.verify()  # a complete, uncorrupted PNG
    (edited,) = edit.json["embeds"]
    assert edited["image"]["url"] == "attachment://timeline-release.png"
    assert edited["description"] == embed["description"]  # the text reply is kept
    assert edit.json["attachments"][0]["filename"] == "timeline-release.png"
    # The attached picture is exactly the renderer's picture of this timeline.
    pack = next(iter(bot.library.engine.packs.values()))
    description = pack.intents["release"].description
    expected = render_timeline(bot.library.engine.timeline("release"), description)
    assert picture.data == expected.png


async def test_timeline_picture_plots_each_dated_claim_at_its_date(
    running: tuple[FanBot, FakeDiscord],
) -> None:
    bot, _ = running
    engine = bot.library.engine
    pack = next(iter(engine.packs.values()))
    timeline = engine.timeline("release")
    chart = render_timeline(timeline, "release")
    assert png_size(chart.png) == (WIDTH_PX, HEIGHT_PX)
    claims = [c for c in pack.claims.values() if c.topic == "release"]
    dated = {c.id: c for c in claims if claim_date(pack, c) is not None}
    assert {p.claim_id for p in chart.points} == set(dated)
    assert chart.undated == len(claims) - len(dated) > 0
    current = engine.answer_intent("release").claim_id
    for point in chart.points:
        claim = dated[point.claim_id]
        assert point.date == claim_date(pack, claim)
        assert point.status == claim.status.value and point.status in STATUS_LEVELS
        tiers = {pack.sources[s].tier.value for s in claim.sources}
        assert point.tier in tiers and point.tier in TIER_COLOURS
        assert point.current == (claim.id == current)
    assert sum(p.current for p in chart.points) == 1
    assert [p.date for p in chart.points] == sorted(p.date for p in chart.points)


def test_matplotlib_is_imported_only_when_a_picture_is_drawn() -> None:
    code = (
        "import sys, bot.transport.bot, bot.transport.exts.answers, bot.console, bot.cli; "
        "from bot.transport.bot import EXTENSIONS; import importlib; "
        "[importlib.import_module(e) for e in EXTENSIONS]; "
        "print('matplotlib' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "False"


def test_the_picture_words_follow_the_language_when_the_font_has_them(
    running: tuple[FanBot, FakeDiscord],
) -> None:
    bot, _ = running
    timeline = bot.library.engine.timeline("release")
    english = render_timeline(timeline, "release")
    spanish = render_timeline(timeline, "release", "es")
    korean = render_timeline(timeline, "release", "ko")  # Korean only with a Hangul font

    def unlabelled(chart: Chart) -> list[ChartPoint]:  # the labels are the claims' translations
        return [dataclasses.replace(p, label="") for p in chart.points]

    assert unlabelled(spanish) == unlabelled(english) == unlabelled(korean)
    assert spanish.png != english.png
    assert (korean.png == english.png) == (korean.language is None)  # see test_chart_font
