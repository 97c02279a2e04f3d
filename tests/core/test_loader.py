"""The loader and validator: every problem `validate` must catch, located by file and line."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.core.answer import Outcome
from bot.core.engine import Engine
from bot.core.library import Library
from bot.core.loader import load_knowledge
from bot.core.problems import KnowledgeError, Problem

Edit = Callable[[str, str], Path]

CLAIM = """
[[claim]]
id = "{id}"
topic = "release"
answer = "{answer}"
as_of = {as_of}
sources = ["{source}"]
status = "reported"
"""


def problems(root: Path) -> list[Problem]:
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(root)
    return caught.value.problems


def claim(**values: str) -> str:
    defaults = {"id": "new-claim", "answer": "Text.", "as_of": "2024-05-01", "source": "paper-2024"}
    return CLAIM.format(**{**defaults, **values})


def test_the_mini_pack_validates(mini_root: Path) -> None:
    knowledge = load_knowledge(mini_root)
    assert knowledge.totals()["claims"] == 7
    assert len(knowledge.content_hash) == 16


def test_syntax_error_gives_file_and_line(mini_root: Path, edit: Edit) -> None:
    edit("claims/broken.toml", '[[claim]]\nid = "x"\nanswer = "unterminated\n')
    found = problems(mini_root)
    assert len(found) == 1
    assert found[0].file == "minipack/claims/broken.toml"
    assert found[0].line == 3
    assert "TOML" in found[0].location


@pytest.mark.parametrize(
    ("name", "breakage"),
    [
        ("sources.toml", '\n[[source]]\nid = "broken"\nunterminated = "\n'),  # syntax
        ("sources.toml", '\n[[source]]\nid = "broken"\ntitle = "t"\n'),  # invalid
        ("intents.toml", '\n[[intent]]\nid = "broken"\n'),
    ],
)
def test_a_broken_file_is_reported_once_not_by_every_entry_citing_it(
    mini_root: Path, name: str, breakage: str
) -> None:
    path = mini_root / "minipack" / name
    path.write_text(path.read_text(encoding="utf-8") + breakage, encoding="utf-8")
    found = problems(mini_root)
    assert {p.file for p in found} == {f"minipack/{name}"}
    assert not any("unknown" in p.message for p in found)


def test_unknown_field_is_located(mini_root: Path, edit: Edit) -> None:
    edit("claims/extra.toml", claim() + "as_off = 2024-01-01\n")
    (found,) = problems(mini_root)
    assert "unknown field 'as_off'" in found.message
    assert found.line == 9
    assert "claim 'new-claim'" in found.location


def test_missing_field(mini_root: Path, edit: Edit) -> None:
    edit("claims/missing.toml", claim().replace('status = "reported"\n', ""))
    (found,) = problems(mini_root)
    assert found.message == "missing field 'status'"


def test_wrong_type(mini_root: Path, edit: Edit) -> None:
    edit("claims/type.toml", claim().replace('status = "reported"', "status = 3"))
    (found,) = problems(mini_root)
    assert "status" in found.location


@pytest.mark.parametrize("bad", ['"2024-13-01"', '"last spring"', "2024"])
def test_bad_dates(mini_root: Path, edit: Edit, bad: str) -> None:
    edit("claims/date.toml", claim(as_of=bad))
    (found,) = problems(mini_root)
    assert "as_of" in found.location


def test_future_date(mini_root: Path, edit: Edit) -> None:
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    edit("claims/future.toml", claim(as_of=tomorrow))
    (found,) = problems(mini_root)
    assert "in the future" in found.message


def test_duplicate_id_names_both_places(mini_root: Path, edit: Edit) -> None:
    edit("claims/dupe.toml", claim(id="release-studio-2024"))
    (found,) = problems(mini_root)
    assert "duplicate claim id 'release-studio-2024'" in found.message
    places = f"{found.file}:{found.line} {found.expected}"
    assert "claims/release.toml:" in places and "claims/dupe.toml:2" in places


def test_claim_citing_missing_source(mini_root: Path, edit: Edit) -> None:
    edit("claims/nosource.toml", claim(source="nowhere"))
    (found,) = problems(mini_root)
    assert "unknown source 'nowhere'" in found.message
    assert found.file == "minipack/claims/nosource.toml"
    assert found.line == 2


def test_alias_claimed_by_two_characters(mini_root: Path, edit: Edit) -> None:
    edit(
        "more.toml",
        '[[character]]\nid = "other-mina"\nname = "Other"\naliases = ["Min a"]\n',
    )
    (found,) = problems(mini_root)
    assert "alias 'Min a' is also claimed by character 'mina-cho'" in found.message


def test_intent_with_too_few_phrasings(mini_root: Path, edit: Edit) -> None:
    edit(
        "intents2.toml",
        '[[intent]]\nid = "trailer"\ndescription = "d"\nquestion = "q?"\n'
        'examples = ["one", "two"]\ncues = ["trailer"]\n',
    )
    (found,) = problems(mini_root)
    assert "examples" in found.location
    assert found.expected == "at least 10 example phrasings"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ('question = "Who plays {name}?"', "{name} goes in question_about"),
        ('question = "q?"\nquestion_about = "Who plays them?"', "question_about needs {name}"),
    ],
)
def test_name_placeholder_only_in_question_about(
    mini_root: Path, edit: Edit, fields: str, message: str
) -> None:
    examples = ", ".join(f'"example {n}"' for n in range(10))
    edit(
        "intents2.toml",
        f'[[intent]]\nid = "trailer"\ndescription = "d"\n{fields}\n'
        f'examples = [{examples}]\ncues = ["trailer"]\n',
    )
    (found,) = problems(mini_root)
    assert message in found.message


def test_text_over_discord_limits(mini_root: Path, edit: Edit) -> None:
    edit("claims/long.toml", claim(answer="x" * 4097))
    edit(
        "sources2.toml",
        '[[source]]\nid = "s2"\ntitle = "t"\noutlet = "o"\ntier = "press"\n'
        f'note = "{"n" * 1025}"\n',
    )
    found = problems(mini_root)
    assert {p.expected for p in found} == {
        "at most 4096 characters (Discord limit)",
        "at most 1024 characters (Discord limit)",
    }


def test_every_problem_reported_in_one_run(mini_root: Path, edit: Edit) -> None:
    edit("claims/a.toml", claim(id="a", source="missing-a"))
    edit("claims/b.toml", "[[claim]\n")
    edit("claims/c.toml", claim(id="c", as_of='"soon"'))
    found = problems(mini_root)
    assert {p.file for p in found} == {
        "minipack/claims/a.toml",
        "minipack/claims/b.toml",
        "minipack/claims/c.toml",
    }
    assert "3 problems" in str(KnowledgeError(found))


def test_unknown_topic_entity_and_supersedes(mini_root: Path, edit: Edit) -> None:
    text = claim().replace('topic = "release"', 'topic = "weather"')
    text += 'entities = ["nobody"]\nsupersedes = ["ghost"]\nsummarises = ["spectre"]\n'
    edit("claims/refs.toml", text)
    messages = {p.message for p in problems(mini_root)}
    assert messages == {
        "unknown topic 'weather'",
        "unknown entity 'nobody'",
        "supersedes unknown claim 'ghost'",
        "summarises unknown claim 'spectre'",
    }


def test_reload_with_a_broken_file_keeps_the_live_knowledge(mini_root: Path, edit: Edit) -> None:
    library = Library.open(mini_root)
    before = library.engine
    edit("claims/broken.toml", "[[claim]]\nid = \n")
    result = library.reload()
    assert not result.ok
    assert result.problems and result.problems[0].file == "minipack/claims/broken.toml"
    assert library.engine is before
    assert library.engine.ask("when is season 2 out").answered


def test_reload_picks_up_a_valid_change(mini_root: Path, edit: Edit) -> None:
    library = Library.open(mini_root)
    edit("claims/newer.toml", claim(id="release-2024-05", answer="Now **June 2025**."))
    result = library.reload()
    assert result.ok and result.changed
    assert "June 2025" in library.engine.ask("when is season 2 out").body
    assert not library.reload().changed


# -- small talk --------------------------------------------------------------------------

SMALLTALK = """
[[smalltalk]]
id = "thanks"
examples.en = ["thanks", "thank you"]
examples.ko = ["고마워"]
reply.en = "You're welcome! More on {title}?"
reply.ko = "천만에요!"

[[smalltalk]]
id = "greeting"
examples.en = ["hi"]
reply.en = "Hi!"
"""


def test_small_talk_validates_and_answers_in_the_phrasing_language(
    mini_root: Path, edit: Edit
) -> None:
    edit("smalltalk.toml", SMALLTALK)
    pack = load_knowledge(mini_root).packs[0]
    assert set(pack.smalltalk) == {"thanks", "greeting"}
    engine = Engine(load_knowledge(mini_root))
    thanks = engine.ask("thank you!!")
    assert thanks.outcome is Outcome.SMALL_TALK
    assert thanks.body == f"You're welcome! More on {pack.info.title}?"
    assert engine.ask("고마워").body == "천만에요!"
    assert engine.ask("hi").extra["small_talk"] == "greeting"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('reply.ko = "천만에요!"\n', "", "no reply for ko, which has phrasings"),
        ('reply.en = "Hi!"', 'reply.en = "Hi {name}!"', "unknown placeholder(s) ['name']"),
        ('["thanks", "thank you"]', '["thanks", "hi"]', "phrasing 'hi' is also small talk"),
        ('examples.ko = ["고마워"]', 'examples.korean = ["고마워"]', "examples.korean"),
    ],
)
def test_small_talk_problems_are_located(
    mini_root: Path, edit: Edit, old: str, new: str, message: str
) -> None:
    assert old in SMALLTALK
    edit("smalltalk.toml", SMALLTALK.replace(old, new))
    found = problems(mini_root)
    assert any(message in f"{p.location} {p.message}" for p in found), found
    assert all(p.file == "minipack/smalltalk.toml" and p.line for p in found), found


def test_a_correction_may_name_only_what_the_fan_stated(mini_root: Path, edit: Edit) -> None:
    edit(
        "claims/fake.toml",
        claim(id="fake", answer="Out now!").replace(
            'status = "reported"',
            'status = "debunked"\nsaid_as = ["1 May 2024"]\n'
            'correction = "{stated} is false, says {outlet}."',
        ),
    )
    (found,) = problems(mini_root)
    assert "unknown placeholder(s) ['outlet']" in found.message
    assert found.file == "minipack/claims/fake.toml" and found.line
