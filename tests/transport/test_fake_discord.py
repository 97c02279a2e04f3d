"""End-to-end tests proving that the loopback FakeDiscord works with an unmodified bot.

A small throwaway ``commands.Bot`` logs in against the fake, receives READY/GUILD_CREATE,
syncs its commands and answers interactions and messages; the tests assert on the REST
requests the fake recorded.
"""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from .fake_discord import (
    CALLBACK_MODAL,
    FakeDiscord,
    Request,
    option,
    running_bot,
    subcommand,
    subcommand_group,
    user_mention,
)

TOPICS = ["albums", "awards", "band members", "tours"]


class FeedbackModal(discord.ui.Modal, title="Feedback"):
    text: discord.ui.TextInput[FeedbackModal] = discord.ui.TextInput(
        label="Your feedback", custom_id="feedback:text"
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"thanks: {self.text.value}", ephemeral=True)


class PanelView(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=60)

    @discord.ui.button(label="Yes", custom_id="panel:yes")
    async def yes(
        self, interaction: discord.Interaction, button: discord.ui.Button[PanelView]
    ) -> None:
        await interaction.response.edit_message(content="You clicked yes", view=None)


class ThrowawayBot(commands.Bot):
    """A tiny bot exercising the interaction and message paths the fake must support."""

    def __init__(self, guild_id: str, *, intents: discord.Intents | None = None) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents or discord.Intents.default(),
            guild_ready_timeout=0.01,
            help_command=None,
        )
        self.ready_count = 0
        self.ready_event = asyncio.Event()
        self.seen_messages: list[discord.Message] = []
        self.tree_errors: list[app_commands.AppCommandError] = []
        self.tree_error_event = asyncio.Event()
        self.tree.error(self._on_tree_error)
        self._add_commands(discord.Object(int(guild_id)))

    async def on_ready(self) -> None:
        self.ready_count += 1
        self.ready_event.set()

    async def on_message(self, message: discord.Message) -> None:
        self.seen_messages.append(message)
        if message.author.bot or self.user is None:
            return
        if self.user in message.mentions:
            await message.channel.send(
                f"Hi {message.author.mention}, you asked: {message.content}",
                allowed_mentions=discord.AllowedMentions(
                    everyone=False, roles=False, users=[message.author]
                ),
            )

    async def _on_tree_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        self.tree_errors.append(error)
        self.tree_error_event.set()
        if isinstance(error, app_commands.CheckFailure) and not interaction.response.is_done():
            await interaction.response.send_message("Moderators only.", ephemeral=True)

    def _add_commands(self, guild: discord.abc.Snowflake) -> None:
        tree = self.tree

        @tree.command(name="ask", description="Ask a question")
        async def ask(interaction: discord.Interaction, question: str) -> None:
            await interaction.response.send_message(f"You asked: {question}")

        @tree.command(name="slow", description="Deferred answer")
        async def slow(interaction: discord.Interaction) -> None:
            await interaction.response.defer(thinking=True)
            await interaction.followup.send("done thinking")

        @tree.command(name="lookup", description="Look up a topic")
        async def lookup(interaction: discord.Interaction, topic: str) -> None:
            await interaction.response.send_message(f"topic: {topic}")

        @lookup.autocomplete("topic")
        async def lookup_topic(
            interaction: discord.Interaction, current: str
        ) -> list[app_commands.Choice[str]]:
            return [app_commands.Choice(name=t, value=t) for t in TOPICS if t.startswith(current)]

        @tree.command(name="panel", description="Show a button")
        async def panel(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("Pick one", view=PanelView())

        @tree.command(name="feedback", description="Open a feedback form")
        async def feedback(interaction: discord.Interaction) -> None:
            await interaction.response.send_modal(FeedbackModal())

        @tree.command(name="twice", description="Responds twice (a bug)")
        async def twice(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("one")
            await interaction.response.send_message("two")

        @tree.command(name="long", description="Sends too much")
        async def long(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("x" * 2001)

        @tree.command(name="export", description="Upload the FAQ as a file")
        async def export(interaction: discord.Interaction) -> None:
            data = discord.File(io.BytesIO(b"question,answer\n"), filename="faq.csv")
            await interaction.response.send_message("Here is the FAQ", file=data)
            message = await interaction.original_response()
            name = message.attachments[0].filename
            await interaction.edit_original_response(content=f"Here is the FAQ ({name})")

        faq = app_commands.Group(name="faq", description="FAQ admin")
        entry = app_commands.Group(name="entry", description="FAQ entries", parent=faq)

        @entry.command(name="show", description="Show an entry")
        async def show(interaction: discord.Interaction, topic: str) -> None:
            await interaction.response.send_message(f"entry show: {topic}")

        tree.add_command(faq)

        @tree.command(name="modonly", description="Moderators only", guild=guild)
        @app_commands.checks.has_role("Moderator")
        async def modonly(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("hello moderator")


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def bot(fake: FakeDiscord) -> AsyncIterator[ThrowawayBot]:
    client = ThrowawayBot(fake.guild.id)
    async with running_bot(client, fake):
        await client.tree.sync()
        await client.tree.sync(guild=discord.Object(int(fake.guild.id)))
        yield client


def _callbacks_for(fake: FakeDiscord, interaction_id: str) -> list[Request]:
    prefix = f"/interactions/{interaction_id}/"
    return [r for r in fake.requests if r.method == "POST" and r.path.startswith(prefix)]


async def test_login_and_ready(fake: FakeDiscord, bot: ThrowawayBot) -> None:
    assert bot.is_ready()
    await asyncio.wait_for(bot.ready_event.wait(), 1.0)  # on_ready runs as its own task
    assert bot.ready_count == 1
    assert bot.user is not None and str(bot.user.id) == fake.bot_user["id"]
    assert str(bot.application_id) == fake.application_id
    paths = [(r.method, r.path) for r in fake.requests[:2]]
    assert paths == [("GET", "/users/@me"), ("GET", "/oauth2/applications/@me")]
    assert fake.requests[0].headers["Authorization"] == "Bot fake-token"

    guild = bot.get_guild(int(fake.guild.id))
    assert guild is not None
    assert [c.name for c in guild.text_channels] == ["general", "questions"]
    assert {r.name for r in guild.roles} >= {"@everyone", "Moderator"}
    assert guild.me is not None
    assert guild.member_count == len(fake.guild.members)

    path, query = fake.gateway_connects[0]
    assert path == "/gateway"
    assert query["v"] == "10" and query["encoding"] == "json"
    assert bot.latency < 1.0  # the fake ACKs heartbeats


async def test_identify_intents(fake: FakeDiscord, bot: ThrowawayBot) -> None:
    assert fake.identify is not None
    assert fake.identify["token"] == "fake-token"
    assert fake.identify["intents"] == bot.intents.value
    assert fake.identify["intents"] == discord.Intents.default().value


async def test_sync_global_and_guild(fake: FakeDiscord, bot: ThrowawayBot) -> None:
    app_id, guild_id = fake.application_id, fake.guild.id
    puts = [r.path for r in fake.requests if r.method == "PUT"]
    assert puts == [
        f"/applications/{app_id}/commands",
        f"/applications/{app_id}/guilds/{guild_id}/commands",
    ]
    names = {c["name"] for c in fake.commands}
    assert names == {
        "ask",
        "slow",
        "lookup",
        "panel",
        "feedback",
        "twice",
        "long",
        "export",
        "faq",
    }
    assert [c["name"] for c in fake.guild_commands[guild_id]] == ["modonly"]
    for command in fake.commands:
        assert command["application_id"] == app_id and command["id"] and command["version"]

    # Re-syncing keeps command ids stable, as on Discord.
    synced = await bot.tree.sync()
    assert {str(c.id) for c in synced} == {c["id"] for c in fake.commands}


async def test_slash_command_send_message(fake: FakeDiscord, bot: ThrowawayBot) -> None:
    payload = fake.command_interaction("ask", option("question", "Who wrote the album?"))
    request = await fake.interact(payload)

    assert request.query == {"with_response": "1"}
    assert request.json["type"] == 4
    assert request.json["data"]["content"] == "You asked: Who wrote the album?"
    assert request.status == 200
    sent = [m for m in fake.messages.values() if m["content"].startswith("You asked")]
    assert len(sent) == 1 and sent[0]["channel_id"] == fake.guild.text_channels[0]["id"]


async def test_subcommand_group(fake: FakeDiscord, bot: ThrowawayBot) -> None:
    payload = fake.command_interaction(
        "faq", subcommand_group("entry", subcommand("show", option("topic", "tours")))
    )
    request = await fake.interact(payload)
    assert request.json["data"]["content"] == "entry show: tours"


async def test_options_checked_against_synced_schema(fake: FakeDiscord, bot: ThrowawayBot) -> None:
    with pytest.raises(ValueError, match="required option"):
        fake.command_interaction("ask")
    with pytest.raises(ValueError, match="not in the synced schema"):
        fake.command_interaction("ask", option("question", "q"), option("extra", 1))
    with pytest.raises(LookupError):
        fake.command_interaction("never-synced")


async def test_deferred_then_followup(fake: FakeDiscord, bot: ThrowawayBot) -> None:
    payload = fake.command_interaction("slow")
    since = fake.mark()
    callback = await fake.interact(payload)
    assert callback.json["type"] == 5

    followup = await fake.wait_for_webhook(payload["token"], since=since)
    assert followup.path == f"/webhooks/{fake.application_id}/{payload['token']}"
    assert followup.json["content"] == "done thinking"
    assert followup.query.get("wait") == "1"
    # As on Discord, the first followup replaced the "thinking" message.
    replies = [m for m in fake.messages.values() if m.get("webhook_id")]
    assert [m["content"] for m in replies] == ["done thinking"]
    assert not replies[0]["flags"] & 128


async def test_autocomplete(fake: FakeDiscord, bot: ThrowawayBot) -> None:
    payload = fake.command_interaction(
        "lookup", option("topic", "a", focused=True), autocomplete=True
    )
    assert payload["type"] == 4
    request = await fake.interact(payload)
    assert request.json == {
        "type": 8,
        "data": {
            "choices": [
                {"name": "albums", "value": "albums"},
                {"name": "awards", "value": "awards"},
            ]
        },
    }


async def test_button_click(fake: FakeDiscord, bot: ThrowawayBot) -> None:
    command = fake.command_interaction("panel")
    # settle: discord.py stores the view only after it has parsed the callback response.
    first = await fake.interact(command, settle=bot)
    assert first.json["type"] == 4
    button = first.json["data"]["components"][0]["components"][0]
    assert button["custom_id"] == "panel:yes"
    message_id = next(m["id"] for m in fake.messages.values() if m["content"] == "Pick one")

    click = fake.component_interaction(message_id, "panel:yes")
    assert click["type"] == 3 and click["message"]["id"] == message_id
    request = await fake.interact(click)
    assert request.json["type"] == 7
    assert request.json["data"]["content"] == "You clicked yes"
    assert request.json["data"]["components"] == []
    assert fake.messages[message_id]["content"] == "You clicked yes"


async def test_modal_submit(fake: FakeDiscord, bot: ThrowawayBot) -> None:
    command = fake.command_interaction("feedback")
    opened = await fake.interact(command, settle=bot)
    assert opened.json["type"] == CALLBACK_MODAL
    assert opened.json["data"]["title"] == "Feedback"

    submit = fake.modal_submit_interaction(command["id"], {"feedback:text": "Great bot"})
    assert submit["type"] == 5
    request = await fake.interact(submit)
    assert request.json["type"] == 4
    assert request.json["data"]["content"] == "thanks: Great bot"
    assert request.json["data"]["flags"] == 64


async def test_file_upload_and_original_response(fake: FakeDiscord, bot: ThrowawayBot) -> None:
    payload = fake.command_interaction("export")
    since = fake.mark()
    callback = await fake.interact(payload, settle=bot)
    assert callback.headers["Content-Type"].startswith("multipart/form-data")
    assert callback.json["type"] == 4
    assert callback.json["data"]["content"] == "Here is the FAQ"
    assert [(f.field, f.filename, f.data) for f in callback.files] == [
        ("files[0]", "faq.csv", b"question,answer\n")
    ]
    original = f"/webhooks/{fake.application_id}/{payload['token']}/messages/@original"
    calls = [(r.method, r.path) for r in fake.requests[since:]]
    assert ("GET", original) in calls and ("PATCH", original) in calls
    edit = next(r for r in fake.requests[since:] if r.method == "PATCH")
    assert edit.json["content"] == "Here is the FAQ (faq.csv)"


async def test_guild_command_and_role_check(fake: FakeDiscord, bot: ThrowawayBot) -> None:
    as_mod = fake.command_interaction("modonly", user=fake.moderator)
    assert as_mod["data"]["guild_id"] == fake.guild.id
    request = await fake.interact(as_mod)
    assert request.json["data"]["content"] == "hello moderator"

    as_fan = fake.command_interaction("modonly", user=fake.fan)
    request = await fake.interact(as_fan)
    assert request.json["data"]["content"] == "Moderators only."
    assert request.json["data"]["flags"] == 64
    assert isinstance(bot.tree_errors[-1], app_commands.MissingRole)


async def test_double_response_is_observable(fake: FakeDiscord, bot: ThrowawayBot) -> None:
    payload = fake.command_interaction("twice")
    await fake.interact(payload)
    await asyncio.wait_for(bot.tree_error_event.wait(), 2.0)
    error = bot.tree_errors[-1]
    assert isinstance(error, app_commands.CommandInvokeError)
    assert isinstance(error.original, discord.InteractionResponded)
    assert len(_callbacks_for(fake, payload["id"])) == 1


async def test_message_too_long_is_rejected_like_discord(
    fake: FakeDiscord, bot: ThrowawayBot
) -> None:
    payload = fake.command_interaction("long")
    request = await fake.interact(payload)
    assert request.status == 400
    await asyncio.wait_for(bot.tree_error_event.wait(), 2.0)
    error = bot.tree_errors[-1]
    assert isinstance(error, app_commands.CommandInvokeError)
    assert isinstance(error.original, discord.HTTPException)
    assert error.original.code == 50035


async def test_mention_answered_with_channel_send(fake: FakeDiscord, bot: ThrowawayBot) -> None:
    channel_id = fake.guild.text_channels[1]["id"]
    bot_mention = user_mention(fake.bot_user["id"])
    since = fake.mark()
    # A bot author is ignored; the human question after it is answered.
    other_bot = {**fake.fan, "id": "42", "username": "otherbot", "bot": True}
    ignored = fake.message_event(f"{bot_mention} ping", author=other_bot, channel_id=channel_id)
    asked = fake.message_event(f"{bot_mention} when is the tour?", channel_id=channel_id)
    assert asked["mentions"][0]["id"] == fake.bot_user["id"]
    assert await fake.dispatch("MESSAGE_CREATE", ignored)
    assert await fake.dispatch("MESSAGE_CREATE", asked)

    request = await fake.wait_for_message(channel_id, since=since)
    fan_id = fake.fan["id"]
    assert request.json["content"] == f"Hi <@{fan_id}>, you asked: {bot_mention} when is the tour?"
    assert request.json["allowed_mentions"] == {
        "parse": [],
        "users": [int(fan_id)],
        "replied_user": True,
    }
    posts = [r for r in fake.requests[since:] if r.method == "POST" and "/messages" in r.path]
    assert len(posts) == 1
    sent = [m for m in fake.messages.values() if m["author"]["id"] == fake.bot_user["id"]]
    assert [u["id"] for u in sent[0]["mentions"]] == [fan_id]  # allowed_mentions applied


async def test_message_content_gated_without_intent(fake: FakeDiscord, bot: ThrowawayBot) -> None:
    assert not bot.intents.message_content
    received = asyncio.ensure_future(bot.wait_for("message", timeout=2.0))
    await fake.dispatch("MESSAGE_CREATE", fake.message_event("no mention here"))
    message = await received
    assert message.content == ""


async def test_direct_messages(fake: FakeDiscord, bot: ThrowawayBot) -> None:
    received = asyncio.ensure_future(bot.wait_for("message", timeout=2.0))
    await fake.dispatch("MESSAGE_CREATE", fake.message_event("hello in private", dm=True))
    message = await received
    assert message.guild is None and message.content == "hello in private"  # DMs are not gated

    payload = fake.command_interaction("ask", option("question", "dm?"), dm=True)
    assert "user" in payload and "member" not in payload
    request = await fake.interact(payload)
    assert request.json["data"]["content"] == "You asked: dm?"


async def test_unknown_route_is_404_and_recorded(fake: FakeDiscord, bot: ThrowawayBot) -> None:
    with pytest.raises(discord.NotFound):
        await bot.fetch_guild(int(fake.guild.id))
    assert fake.unknown[-1].path == f"/guilds/{fake.guild.id}"
    assert fake.unknown[-1].status == 404
    assert fake.errors == []
    with pytest.raises(TimeoutError, match="no matching request"):
        await fake.wait_for_request(lambda r: r.path == "/nowhere", timeout=0.05)


async def test_reconnect_resumes(fake: FakeDiscord, bot: ThrowawayBot) -> None:
    await fake.request_reconnect()
    await fake.wait_for_gateway(timeout=2.0)
    assert len(fake.resumes) == 1 and len(fake.identifies) == 1
    ready = next(e for e in fake.events if e.name == "READY")
    assert fake.resumes[0]["session_id"] == ready.data["session_id"]
    assert fake.gateway_connects[-1][0] == "/gateway/resume"
    request = await fake.interact(
        fake.command_interaction("ask", option("question", "still there?"))
    )
    assert request.json["data"]["content"] == "You asked: still there?"


async def test_member_chunk_request_is_answered() -> None:
    fake = FakeDiscord()
    fake.guild.member_count = len(fake.guild.members) + 3  # forces op 8 with the members intent
    await fake.start()
    intents = discord.Intents.default()
    intents.members = True
    client = ThrowawayBot(fake.guild.id, intents=intents)
    try:
        started = time.monotonic()
        async with running_bot(client, fake):
            assert time.monotonic() - started < 1.0
            assert any(frame.get("op") == 8 for frame in fake.gateway_received)
            assert any(e.name == "GUILD_MEMBERS_CHUNK" for e in fake.events)
            guild = client.get_guild(int(fake.guild.id))
            assert guild is not None and len(guild.members) == len(fake.guild.members)
    finally:
        await fake.stop()


async def test_privileged_intent_not_granted() -> None:
    fake = FakeDiscord(granted_intents=0)
    await fake.start()
    intents = discord.Intents.default()
    intents.message_content = True
    client = ThrowawayBot(fake.guild.id, intents=intents)
    try:
        # With reconnect=False discord.py raises the raw close (code 4014); only the
        # reconnecting path (bot.start()) turns it into PrivilegedIntentsRequired.
        with pytest.raises(discord.ConnectionClosed) as info:
            async with running_bot(client, fake):
                pass
        assert info.value.code == 4014
    finally:
        await fake.stop()
    assert client.is_closed()
