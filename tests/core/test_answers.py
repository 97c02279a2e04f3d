"""The answer composer and the store's rules, on the fictional mini pack."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.core.answer import Outcome, Reason
from bot.core.engine import Engine
from bot.core.loader import load_knowledge
from bot.core.problems import KnowledgeError
from bot.core.render import render_text, source_line, sources_text

Edit = Callable[[str, str], Path]


def test_latest_claim_wins_and_official_beats_press_on_the_same_day(mini_engine: Engine) -> None:
    answer = mini_engine.answer_intent("release")
    assert answer.claim_id == "release-studio-2024"
    assert answer.as_of == dt.date(2024, 3, 1)
    assert [s.outlet for s in answer.sources] == ["Studio Newsroom"]
    assert answer.sources[0].url == "https://example.org/studio-2024"


def test_debunked_and_unreliable_claims_are_never_the_answer(mini_engine: Engine) -> None:
    answer = mini_engine.answer_intent("release")
    assert "out now" not in answer.body.lower()
    step = next(
        s for s in mini_engine.timeline("release").steps if s.claim_id.endswith("spam-2025")
    )
    assert not step.answerable and not step.current


def test_supersede_note_names_the_estimates_that_did_not_hold(mini_engine: Engine) -> None:
    answer = mini_engine.answer_intent("release")
    assert answer.notes == ("Earlier estimates of early 2024 did not hold.",)


def test_a_summary_claim_retires_estimates_without_calling_them_failed(
    mini_root: Path, edit: Edit
) -> None:
    edit(
        "claims/summary.toml",
        """
[[claim]]
id = "release-roundup-2024"
topic = "release"
answer = "Spring 2025 per the studio; the paper says 2025."
as_of = 2024-03-02
sources = ["studio-2024", "paper-2024"]
status = "confirmed"
summarises = ["release-studio-2024", "release-paper-2024"]
""",
    )
    engine = Engine(load_knowledge(mini_root))
    answer = engine.answer_intent("release")
    assert answer.claim_id == "release-roundup-2024"
    assert answer.notes == ()
    marks = {s.claim_id: s.marks for s in engine.timeline("release").steps}
    assert marks["release-paper-2024"] == ("part of the current answer",)
    assert "superseded" in marks["release-blog-undated"]


def test_only_what_the_current_answer_sums_up_and_cites_is_part_of_it(
    mini_root: Path, edit: Edit
) -> None:
    # An older round-up sums up the paper's claim, but the studio's newer claim answers:
    # the paper is not part of the current answer. A round-up that retires the blog
    # without citing it does not make the blog part of it either.
    edit(
        "claims/summary.toml",
        """
[[claim]]
id = "release-roundup-2023"
topic = "release"
answer = "Round-up: 2025."
as_of = 2023-06-01
sources = ["paper-2024"]
status = "reported"
summarises = ["release-paper-2024"]

[[claim]]
id = "release-studio-2025"
topic = "release"
answer = "Spring 2025, the studio says again."
as_of = 2025-01-01
sources = ["studio-2024"]
status = "confirmed"
summarises = ["release-studio-2024", "release-blog-2023"]
""",
    )
    engine = Engine(load_knowledge(mini_root))
    assert engine.answer_intent("release").claim_id == "release-studio-2025"
    marks = {s.claim_id: s.marks for s in engine.timeline("release").steps}
    assert marks["release-studio-2024"] == ("part of the current answer",)
    assert "part of the current answer" not in marks["release-paper-2024"]
    assert "part of the current answer" not in marks["release-blog-2023"]


def test_undated_claim_never_outranks_a_dated_one(mini_root: Path, edit: Edit) -> None:
    edit(
        "claims/undated.toml",
        '[[claim]]\nid = "undated-new"\ntopic = "production"\nanswer = "Undated says X."\n'
        'sources = ["blog-undated"]\nstatus = "confirmed"\n',
    )
    engine = Engine(load_knowledge(mini_root))
    assert engine.answer_intent("production").claim_id == "wrap-paper-a"


def test_same_tier_disagreement_is_stated(mini_engine: Engine) -> None:
    answer = mini_engine.answer_intent("production")
    assert answer.claim_id == "wrap-paper-a"
    (note,) = answer.notes
    assert note.startswith("Sources disagree: Paper A says wrapped 1 February 2025;")
    assert "Paper B (1 February 2025) says wrapped 31 January 2025" in note
    assert {s.outlet for s in answer.sources} == {"Paper A", "Paper B"}


def test_lower_tier_contradiction_is_not_stated(mini_root: Path, edit: Edit) -> None:
    edit(
        "claims/lower.toml",
        '[[claim]]\nid = "wrap-blog"\ntopic = "production"\nanswer = "A blog says March."\n'
        'as_of = 2025-02-02\nsources = ["blog-2023"]\nstatus = "reported"\n'
        'contradicts = ["wrap-paper-a"]\n',
    )
    engine = Engine(load_knowledge(mini_root))
    answer = engine.answer_intent("production")
    assert all("blog" not in note.lower() for note in answer.notes)


def test_cast_about_a_character_says_who_plays_them_and_if_they_return(
    mini_engine: Engine,
) -> None:
    answer = mini_engine.ask("who plays meena?")
    assert answer.intent == "cast"
    assert answer.entities == ("Mina Cho",)
    assert answer.body.startswith("**Mina Cho** is played by **Jo Bright**")
    assert "returns in season 2 (confirmed)" in answer.body
    assert answer.as_of == dt.date(2024, 3, 1)


def test_cast_about_a_person_answers_the_other_direction(mini_engine: Engine) -> None:
    answer = mini_engine.ask("who does jo brite play")
    assert answer.intent == "cast" and answer.entities == ("Jo Bright",)
    assert "**Mina Cho** is played by **Jo Bright**" in answer.body


def test_cast_without_a_name_lists_returning_and_new(mini_engine: Engine) -> None:
    answer = mini_engine.answer_intent("cast")
    assert answer.body.splitlines() == [
        "**Returning in season 2:** **Jo Bright** as Mina Cho.",
        "**New in season 2:** **Sam Kettle** as Old Pete.",
    ]


def test_recap_about_a_character_is_a_spoiler(mini_engine: Engine) -> None:
    answer = mini_engine.ask("what happened to mina at the end")
    assert answer.intent == "recap" and answer.spoiler
    assert "closes the diner" in answer.body
    assert render_text(answer).startswith("[Spoiler]")


def test_recap_about_a_character_also_says_where_they_stand_next_season(
    mini_engine: Engine,
) -> None:
    answer = mini_engine.answer_intent("recap", ["mina-cho"])
    assert answer.intent == "recap"
    first, second = answer.body.splitlines()
    assert first.startswith("**Mina Cho:**") and "closes the diner" in first
    assert second == "Mina Cho returns in season 2 (confirmed)."
    assert answer.as_of == dt.date(2024, 3, 1)
    assert "Studio Newsroom" in {s.outlet for s in answer.sources}


def test_timeline_runs_oldest_to_newest_with_undated_entries_last(
    mini_engine: Engine,
) -> None:
    steps = mini_engine.timeline("release").steps
    assert [s.claim_id for s in steps] == [
        "release-blog-2023",
        "release-paper-2024",
        "release-studio-2024",
        "release-spam-2025",
        "release-blog-undated",
    ]
    assert [s.current for s in steps] == [False, False, True, False, False]
    assert steps[0].superseded and steps[-1].superseded


def test_sources_are_listed_by_outlet_newest_first_without_unreliable_ones(
    mini_root: Path, edit: Edit
) -> None:
    edit(
        "more-sources.toml",
        '[[source]]\nid = "blog-2024"\ntitle = "Season 2 news"\noutlet = "Fan Blog"\n'
        'published = 2024-06-01\ntier = "blog"\n',
    )
    groups = Engine(load_knowledge(mini_root)).source_groups()
    outlets = [g.outlet for g in groups]
    # Each outlet once, ordered by its newest source; undated outlets last.
    assert outlets == [
        "Paper A",
        "Paper B",
        "Fan Blog",
        "Studio Newsroom",
        "Daily Paper",
        "Undated Blog",
    ]
    assert len(outlets) == len(set(outlets))
    newest = [g.sources[0].published for g in groups if g.sources[0].published]
    assert newest == sorted(newest, reverse=True)
    fan_blog = next(g for g in groups if g.outlet == "Fan Blog")
    assert [s.id for s in fan_blog.sources] == ["blog-2024", "blog-2023"]
    assert groups[-1].sources[-1].published is None
    # The clickbait page backs only a debunked claim: fans never see it listed.
    assert "Clickbait Site" not in outlets


def test_declines_questions_about_other_shows(mini_engine: Engine) -> None:
    answer = mini_engine.ask("when is sunrise bakery season 2 coming out")
    assert answer.outcome is Outcome.DECLINE and answer.reason is Reason.OTHER_SHOW
    assert answer.intent is None
    assert "Sunrise Bakery" in answer.body


def test_declines_seasons_the_pack_does_not_cover(mini_engine: Engine) -> None:
    answer = mini_engine.ask("when is season 3 coming out")
    assert answer.reason is Reason.OTHER_SEASON


def test_declines_chit_chat_and_gibberish(mini_engine: Engine) -> None:
    for text in ("hello there", "asdkjh qwpoe zmxn", "i like turtles", "🧟🧟🧟", "   "):
        assert not mini_engine.ask(text).answered, text


def test_declines_on_topic_question_without_a_claim(mini_root: Path, edit: Edit) -> None:
    (mini_root / "minipack" / "claims" / "production.toml").unlink()
    engine = Engine(load_knowledge(mini_root))
    answer = engine.ask("has filming wrapped yet")
    assert answer.outcome is Outcome.DECLINE and answer.reason is Reason.NO_CLAIM


def test_a_bare_name_asks_back_with_that_name(mini_engine: Engine) -> None:
    answer = mini_engine.ask("mina??")
    assert answer.outcome is Outcome.ASK_BACK
    labels = [s.label for s in answer.suggestions]
    assert "Who plays Mina Cho?" in labels
    assert all(s.entities == ("mina-cho",) for s in answer.suggestions)


def test_suggestion_answers_directly(mini_engine: Engine) -> None:
    suggestion = mini_engine.ask("mina??").suggestions[0]
    answer = mini_engine.answer_intent(
        suggestion.intent, suggestion.entities, pack_id=suggestion.pack
    )
    assert answer.answered and answer.question == suggestion.label


def test_long_questions_are_answered_from_their_start(mini_engine: Engine) -> None:
    answer = mini_engine.ask("when is season 2 coming out? " + "blah " * 300)
    assert answer.truncated and answer.intent == "release"
    assert "answered from its beginning" in render_text(answer)


def test_a_second_pack_works_by_adding_a_folder(mini_root: Path) -> None:
    import shutil

    second = mini_root / "secondpack"
    shutil.copytree(mini_root / "minipack", second)
    pack_toml = (second / "pack.toml").read_text()
    pack_toml = pack_toml.replace('id = "minipack"', 'id = "secondpack"')
    pack_toml = pack_toml.replace("Moonlight Diner", "Starlight Garage")
    pack_toml = pack_toml.replace('"MLD", ', "").replace('"달빛 식당"', '"별빛 차고"')
    (second / "pack.toml").write_text(pack_toml)
    engine = Engine(load_knowledge(mini_root))
    assert set(engine.packs) == {"minipack", "secondpack"}
    assert engine.ask("starlight garage: when is season 2 out").pack == "secondpack"
    assert engine.ask("moonlight diner season 2 release date").pack == "minipack"


def test_preview_shows_the_new_answer_without_changing_anything(mini_root: Path) -> None:
    from bot.core.preview import preview

    knowledge = load_knowledge(mini_root)
    pasted = (
        '[[claim]]\nid = "release-2024-06"\ntopic = "release"\n'
        'answer = "Now **summer 2025**."\nas_of = 2024-06-01\n'
        'sources = ["studio-2024"]\nstatus = "confirmed"\n'
    )
    result = preview(knowledge, pasted)
    assert result.ok
    (answer,) = result.answers
    assert "summer 2025" in answer.body
    assert "spring 2025" in Engine(load_knowledge(mini_root)).answer_intent("release").body


def test_preview_reports_problems(mini_root: Path) -> None:
    from bot.core.preview import preview

    result = preview(load_knowledge(mini_root), '[[claim]]\nid = "x"\ntopic = "release"\n')
    assert not result.ok
    assert {p.file for p in result.problems} == {"minipack/preview.toml"}
    assert any("missing field 'answer'" in p.message for p in result.problems)


def test_an_intent_about_one_season_is_not_the_answer_for_another(mini_engine: Engine) -> None:
    # The mini pack's release intent is about season 2, the upcoming one.
    assert mini_engine.ask("when does season 2 come out").intent == "release"
    answer = mini_engine.ask("when did season 1 come out")
    assert answer.outcome is Outcome.DECLINE and answer.reason is Reason.NO_CLAIM
    assert answer.extra == {"declined_intent": "release"}
    assert mini_engine.ask("when does the new season come out").intent == "release"


def test_a_descriptive_title_is_left_out_and_a_headline_is_quoted(mini_engine: Engine) -> None:
    lines = {s.outlet: source_line(s) for s in mini_engine.sources()}
    # No headline known: the outlet and date say which page it is, with no placeholder.
    assert lines["Daily Paper"] == "Daily Paper (1 March 2024)"
    assert lines["Studio Newsroom"] == (
        "Studio Newsroom: “Studio announces season 2” (1 March 2024) "
        "<https://example.org/studio-2024>"
    )
    listing = sources_text(mini_engine.source_groups())
    assert "Season 2 is coming, paper says" not in listing and "not recorded" not in listing
    assert "Daily Paper:\n  - 1 March 2024" in listing


def test_a_character_nobody_plays_is_introduced_by_its_claim_first(
    mini_root: Path, edit: Edit
) -> None:
    edit(
        "more.toml",
        '[[character]]\nid = "the-owner"\nname = "The Owner"\n\n'
        '[[claim]]\nid = "owner-who"\ntopic = "cast"\nanswer = "The Owner runs the diner."\n'
        'sources = ["studio-2024"]\nstatus = "confirmed"\nentities = ["the-owner"]\n',
    )
    body = Engine(load_knowledge(mini_root)).answer_intent("cast", ["the-owner"]).body
    assert body == "The Owner runs the diner.\nNothing sourced yet on The Owner in season 2."


def test_a_yes_no_answer_comes_from_the_claim_and_the_intent_words(
    mini_root: Path, edit: Edit
) -> None:
    intents = (mini_root / "minipack" / "intents.toml").read_text(encoding="utf-8")
    words = 'yes_no.asks = ["out yet"]\nyes_no.opposite = ["delayed"]\n'
    edit("intents.toml", intents.replace('id = "release"\n', 'id = "release"\n' + words, 1))
    edit(
        "claims/out.toml",
        '[[claim]]\nid = "release-out"\ntopic = "release"\nanswer = "Season 2 is out."\n'
        'as_of = 2024-06-01\nsources = ["studio-2024"]\nstatus = "confirmed"\nverdict = "yes"\n',
    )
    engine = Engine(load_knowledge(mini_root))

    def asked(question: str) -> str:
        return engine.answer_intent("release", question=question).body

    assert asked("is season 2 out yet") == "**Yes.** Season 2 is out."
    assert asked("is season 2 delayed") == "**No.** Season 2 is out."
    assert asked("when is season 2 out yet") == "Season 2 is out."  # not a yes/no question
    # A slash command or a button asks no question: the answer alone.
    assert engine.answer_intent("release").body == "Season 2 is out."


def test_a_claim_about_another_season_answers_questions_naming_it(
    mini_root: Path, edit: Edit
) -> None:
    edit(
        "claims/season-one.toml",
        '[[claim]]\nid = "release-s1"\ntopic = "release"\nseason = 1\n'
        'answer = "Season 1 came out in 2022."\nsources = ["blog-2023"]\nstatus = "confirmed"\n',
    )
    engine = Engine(load_knowledge(mini_root))
    answer = engine.ask("when did season 1 come out")
    assert answer.outcome is Outcome.ANSWER and answer.claim_id == "release-s1"
    # Questions about the upcoming season, or naming none, keep the usual answer.
    assert engine.ask("when does season 2 come out").claim_id == "release-studio-2024"
    assert engine.answer_intent("release").claim_id == "release-studio-2024"


def _without_outlets(mini_root: Path) -> None:
    """The mini pack with two pages that name no outlet: the undated blog (its headline,
    "Season 2 guesses", is known) and Paper B's page (no headline known, only its address)."""
    path = mini_root / "minipack" / "sources.toml"
    text = path.read_text(encoding="utf-8")
    text = text.replace('outlet = "Undated Blog"\n', "")
    text = text.replace(
        'outlet = "Paper B"\n', 'headline = false\nurl = "https://www.paper-b.example/wrap"\n'
    )
    path.write_text(text, encoding="utf-8")


def test_a_page_with_no_outlet_is_known_by_its_headline_or_its_host(mini_root: Path) -> None:
    _without_outlets(mini_root)
    engine = Engine(load_knowledge(mini_root))
    lines = {s.id: source_line(s) for s in engine.sources()}
    assert lines["blog-undated"] == "“Season 2 guesses” (undated)"
    assert lines["paper-b-2025"] == (
        "paper-b.example (1 February 2025) <https://www.paper-b.example/wrap>"
    )
    # Cited in an answer's text and on the timeline by the same name, never a placeholder.
    (note,) = engine.answer_intent("production").notes
    assert "paper-b.example (1 February 2025) says wrapped 31 January 2025" in note
    step = next(s for s in engine.timeline("release").steps if s.claim_id == "release-blog-undated")
    assert step.attribution == "speculation; “Season 2 guesses”"
    # /sources: the address's host is the heading; a page with neither is a line of its own.
    listing = sources_text(engine.source_groups())
    assert "paper-b.example:\n  - 1 February 2025 <https://www.paper-b.example/wrap>" in listing
    assert listing.splitlines()[-1] == "“Season 2 guesses” (undated)"
    assert "None" not in listing


def test_a_page_with_no_outlet_no_headline_and_no_address_is_refused(
    mini_root: Path, edit: Edit
) -> None:
    edit(
        "more-sources.toml",
        '[[source]]\nid = "mystery"\ntitle = "A page about season 2"\nheadline = false\n'
        'tier = "blog"\n',
    )
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(mini_root)
    assert any("no outlet" in p.message for p in caught.value.problems)
