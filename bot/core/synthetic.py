"""Generated knowledge for load benchmarks and large-pack tests: valid TOML, no real facts.

Everything here is text; callers write it where they need it. The generated show is
fictional ("Generated Show"), so nothing in it can be mistaken for a claim about a real one.
"""

from __future__ import annotations

PACK_ID = "generated"
TOPIC = "release"
SOURCE = "generated-source"

_PACK = f"""[pack]
id = "{PACK_ID}"
title = "Generated Show"
seasons = [1, 2]
upcoming_season = 2
"""

_INTENT = f"""[[intent]]
id = "{TOPIC}"
description = "When the new season comes out"
question = "When is season 2 coming out?"
examples = [
  "when is season 2 coming out", "release date for season 2", "when does it come out",
  "when will s2 release", "is there a release date yet", "when can we watch season 2",
  "season 2 premiere date", "what year does season 2 come out", "how long until season 2",
  "when is the next season releasing",
]
cues = ["release", "come out", "premiere"]
"""

_SOURCE = f"""[[source]]
id = "{SOURCE}"
title = "A generated source"
outlet = "Generated Outlet"
published = 2020-01-01
tier = "press"
"""

_FILLER = (
    "This is a generated claim used to measure how loading grows with the number of claims; "
    "it is long enough to weigh what a real answer weighs, with a source and a date."
)


def claims_text(
    count: int, *, topic: str = TOPIC, source: str = SOURCE, prefix: str = "gen"
) -> str:
    """``count`` valid ``[[claim]]`` entries (about 340 bytes each), all citing ``source``."""
    parts = []
    for index in range(count):
        parts.append(
            f'[[claim]]\nid = "{prefix}-{index:06d}"\ntopic = "{topic}"\n'
            f'answer = "Claim {index}. {_FILLER}"\nsummary = "generated {index}"\n'
            f"as_of = 2020-01-{index % 28 + 1:02d}\n"
            f'sources = ["{source}"]\nstatus = "speculation"\n\n'
        )
    return "".join(parts)


def pack_files(claims: int) -> dict[str, str]:
    """A whole generated pack: file name (relative to the pack folder) to its text."""
    return {
        "pack.toml": _PACK,
        "intents.toml": _INTENT,
        "sources.toml": _SOURCE,
        "claims/generated.toml": claims_text(claims),
    }
