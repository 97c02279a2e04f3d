"""The one place answers become embeds: limits, spoiler tags and escaping."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.core.answer import Answer, Outcome, SourceRef
from bot.core.limits import EMBED_DESCRIPTION_LIMIT, EMBED_FIELD_LIMIT
from bot.core.render import group_by_outlet
from bot.transport.embeds import answer_embed, listing_lines, source_lines, sources_embed


def spoiler_answer(body: str, notes: tuple[str, ...] = ()) -> Answer:
    return Answer(
        question="what happened at the end",
        outcome=Outcome.ANSWER,
        body=body,
        intent="recap",
        confidence=0.9,
        spoiler=True,
        notes=notes,
    )


@pytest.mark.parametrize(
    "notes", [(), ("Sources disagree: " + "n" * 3000,), tuple("note " * 200 for _ in range(5))]
)
def test_a_clipped_spoiler_keeps_its_closing_tags(notes: tuple[str, ...]) -> None:
    embed = answer_embed(spoiler_answer("x" * EMBED_DESCRIPTION_LIMIT, notes))
    description = embed.description or ""
    assert len(description) <= EMBED_DESCRIPTION_LIMIT
    assert description.count("||") == 2
    body_end = description.index("||", description.index("||") + 2)
    assert "x" not in description[body_end:]
    assert "x" * 1000 in description  # the body, not the notes, keeps most of the room


def character_answer(status: str, fate: str) -> Answer:
    return Answer(
        question="is mina alive",
        outcome=Outcome.ANSWER,
        body=status,
        intent="character",
        spoiler=True,
        spoiler_text=fate,
    )


def test_only_the_spoiler_part_of_an_answer_is_hidden() -> None:
    embed = answer_embed(character_answer("Mina returns in season 2.", "Mina dies."))
    description = embed.description or ""
    assert description.startswith("Mina returns in season 2.\n")
    assert description.endswith("||Mina dies.||")


@pytest.mark.parametrize("status_length", [10, EMBED_DESCRIPTION_LIMIT])
def test_a_long_partial_spoiler_still_closes_its_tags(status_length: int) -> None:
    answer = character_answer("s" * status_length, "f" * EMBED_DESCRIPTION_LIMIT)
    description = answer_embed(answer).description or ""
    assert len(description) <= EMBED_DESCRIPTION_LIMIT
    assert description.count("||") == 2 and description.endswith("||")
    opened = description.index("||")
    assert "f" not in description[:opened] and "s" not in description[opened:]


def test_a_partial_spoiler_unwrapped_shows_both_parts_in_order() -> None:
    embed = answer_embed(character_answer("Back.", "Dies."), spoiler_wrap=False)
    assert embed.description == "Back.\nDies."


def test_spoiler_tags_can_be_turned_off() -> None:
    embed = answer_embed(spoiler_answer("Everyone survives."), spoiler_wrap=False)
    assert embed.description == "Everyone survives."


def test_the_question_is_escaped_and_pings_nobody() -> None:
    answer = Answer(
        question="@everyone **when** is <@&123> s2 out?", outcome=Outcome.ANSWER, body="Soon."
    )
    title = answer_embed(answer).title or ""
    assert "@everyone" not in title and "@\u200beveryone" in title
    assert "\\*\\*when\\*\\*" in title


def test_many_long_sources_fit_the_field_with_whole_lines() -> None:
    sources = tuple(
        SourceRef(
            id=f"s{i}",
            title="A very long headline " * 5,
            outlet=f"Outlet {i}",
            published=dt.date(2025, 7, 23),
            url=f"https://example.org/{'x' * 150}/{i}",
            tier="press",
        )
        for i in range(12)
    )
    answer = Answer(question="q", outcome=Outcome.ANSWER, body="b", sources=sources)
    field = next(f for f in answer_embed(answer).fields if f.name == "Sources")
    value = field.value or ""
    assert len(value) <= EMBED_FIELD_LIMIT
    assert value.endswith("more")
    assert all(line.endswith(")") for line in value.splitlines()[:-1])


def test_a_title_that_only_describes_the_page_is_never_shown_as_its_headline() -> None:
    described = SourceRef("s", "Report on the renewal", "Paper", None, None, "press", False)
    headline = SourceRef("h", "Renewed!", "Studio", None, "https://example.org/h", "official")
    linked = SourceRef(
        "l", "Report", "Daily", dt.date(2025, 7, 23), "https://example.org/l", "press", False
    )
    lines = source_lines([described, headline, linked])
    # No headline known: the outlet and date alone, the outlet linked; never the placeholder.
    assert lines[0] == "Paper (undated)"
    assert lines[2] == "[Daily](https://example.org/l) (23 July 2025)"
    assert lines[1] == "Studio: [Renewed!](https://example.org/h) (undated)"


def test_a_source_changed_by_a_reload_shows_its_new_line() -> None:
    """Source lines are remembered per source value: a reload that changes a source's
    headline, link or date never shows the old line."""
    before = SourceRef(
        "s1", "Old headline", "Outlet", dt.date(2025, 7, 23), "https://a.example", "A"
    )
    after = SourceRef(
        "s1", "New headline", "Outlet", dt.date(2025, 7, 24), "https://b.example", "A"
    )
    assert source_lines([before]) == source_lines([before])
    (line,) = source_lines([after])
    assert "New headline" in line and "https://b.example" in line and "24 July 2025" in line
    assert "Old" not in line


def test_a_page_with_no_outlet_is_shown_by_its_headline_or_its_host() -> None:
    headline = SourceRef("h", "Season 2 guesses", None, None, None, "blog")
    linked = SourceRef(
        "l", "Report", None, dt.date(2025, 7, 23), "https://www.x.example/a", "press"
    )
    described = SourceRef(
        "d", "Report", None, dt.date(2025, 7, 23), "https://www.x.example/d", "press", False
    )
    assert source_lines([headline, linked, described]) == [
        "*Season 2 guesses* (undated)",
        "[Report](https://www.x.example/a) (23 July 2025)",
        "[x.example](https://www.x.example/d) (23 July 2025)",
    ]
    groups = group_by_outlet([headline, described])
    assert [g.outlet for g in groups] == ["x.example", None]
    assert listing_lines(groups) == [
        "**x.example**",
        "• [23 July 2025](https://www.x.example/d)",
        "*Season 2 guesses* (undated)",
    ]
    assert sources_embed(groups, "Show").footer.text == "2 sources from 1 outlets"
