"""A loopback fake of Discord (REST API v10 and gateway) for end-to-end bot tests.

The fake is one aiohttp server bound to 127.0.0.1 on a free port. It serves

* the REST API under ``/api/v10`` (login, application commands, interaction callbacks,
  interaction webhooks, channel messages, typing, reactions, DM channels), and
* a websocket gateway under ``/gateway`` (HELLO, heartbeat ACKs, IDENTIFY -> READY and one
  GUILD_CREATE per guild, RESUME -> RESUMED, REQUEST_GUILD_MEMBERS -> GUILD_MEMBERS_CHUNK).

Sharding works as on Discord: ``GET /gateway/bot`` answers ``shards=shard_count`` (and
``max_concurrency``), IDENTIFY may carry ``shard: [shard_id, num_shards]`` (an id outside
``0 .. num_shards - 1`` is closed with 4010), READY and the GUILD_CREATEs on a connection list
only that shard's guilds, and every dispatched event of a guild goes only to the connection of
shard :func:`shard_of` ``(guild_id, num_shards)`` (events outside a guild, e.g. DMs, go to
shard 0). Several bot processes can each connect their own shards to one fake; a connection
that identifies without ``shard`` is shard 0 of 1 and receives everything.

An unmodified ``discord.Client`` / ``commands.Bot`` (discord.py 2.7.x) talks to it once
:meth:`FakeDiscord.install` has pointed ``discord.http.Route.BASE`` and
``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY`` at it. See
``/work/shared/notes/discord-offline-testing.md`` for the discord.py behaviour this relies on.

Every REST request is recorded as a :class:`Request` in ``FakeDiscord.requests``; tests wait
for the bot's reaction with :meth:`FakeDiscord.wait_for_request` (and its convenience
wrappers) instead of sleeping. The fake never answers 5xx (discord.py would retry for ~25 s):
handler exceptions are recorded in ``FakeDiscord.errors`` and answered with 400, unknown
routes are recorded in ``FakeDiscord.unknown`` and answered with 404. A test can make the
fake refuse the next matching request with a 4xx of its choice
(:meth:`FakeDiscord.reject_next`). An interaction callback is answered with the callback
response when the bot asks for it (``?with_response=1``, as discord.py's ``send_message``
does) and with 204 otherwise (the bot's lean reply path).

Like real Discord, and unlike a mock, the fake also rejects some things a bot can get wrong:
message bodies over Discord's limits (2000 characters of content, embed limits, 25
autocomplete choices, ...), empty messages, a second callback for the same interaction,
a callback type that does not fit the interaction type, callbacks later than
``ack_deadline`` seconds, and privileged intents that were not granted (close code 4014).
It also applies intent gating to dispatched events: MESSAGE_CREATE needs the guild/DM
messages intent, and without the message-content intent the content of messages that do
not mention the bot is blanked, as Discord does.

Typical use::

    fake = FakeDiscord()
    await fake.start()
    bot = make_bot(guild_ready_timeout=0.01)
    async with running_bot(bot, fake):
        await bot.tree.sync()
        payload = fake.command_interaction("ask", option("question", "Who?"))
        request = await fake.interact(payload)
        assert request.json["type"] == 4
    await fake.stop()
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import json
import re
import time
import traceback
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, TypeVar

import discord
import discord.gateway
import discord.http
import orjson
import yarl
from aiohttp import BodyPartReader, WSMsgType, web

__all__ = [
    "API_PREFIX",
    "GATEWAY_PATH",
    "ApiError",
    "FakeDiscord",
    "FakeGuild",
    "GatewayEvent",
    "HandlerError",
    "Json",
    "Request",
    "UploadedFile",
    "application_payload",
    "channel_mention",
    "check_command_options",
    "default_guild",
    "guild_create_payload",
    "guild_id_on_shard",
    "interaction_payload",
    "member_payload",
    "member_permissions",
    "message_payload",
    "modal_submit_components",
    "option",
    "role_mention",
    "role_payload",
    "shard_of",
    "snowflake",
    "subcommand",
    "subcommand_group",
    "text_channel_payload",
    "user_mention",
    "user_payload",
]

Json = dict[str, Any]
ClientT = TypeVar("ClientT", bound=discord.Client)

API_PREFIX: Final = "/api/v10"
GATEWAY_PATH: Final = "/gateway"
RESUME_GATEWAY_PATH: Final = "/gateway/resume"

DISCORD_EPOCH_MS: Final = 1_420_070_400_000

# Gateway intents (https://discord.com/developers/docs/events/gateway#list-of-intents).
INTENT_GUILDS: Final = 1 << 0
INTENT_GUILD_MEMBERS: Final = 1 << 1
INTENT_GUILD_PRESENCES: Final = 1 << 8
INTENT_GUILD_MESSAGES: Final = 1 << 9
INTENT_DIRECT_MESSAGES: Final = 1 << 12
INTENT_MESSAGE_CONTENT: Final = 1 << 15
PRIVILEGED_INTENTS: Final = INTENT_GUILD_MEMBERS | INTENT_GUILD_PRESENCES | INTENT_MESSAGE_CONTENT

# Interaction types and callback types.
PING: Final = 1
APPLICATION_COMMAND: Final = 2
MESSAGE_COMPONENT: Final = 3
AUTOCOMPLETE: Final = 4
MODAL_SUBMIT: Final = 5

CALLBACK_CHANNEL_MESSAGE: Final = 4
CALLBACK_DEFERRED_CHANNEL_MESSAGE: Final = 5
CALLBACK_DEFERRED_UPDATE_MESSAGE: Final = 6
CALLBACK_UPDATE_MESSAGE: Final = 7
CALLBACK_AUTOCOMPLETE_RESULT: Final = 8
CALLBACK_MODAL: Final = 9

ALLOWED_CALLBACKS: Final[Mapping[int, frozenset[int]]] = {
    APPLICATION_COMMAND: frozenset({4, 5, 9}),
    MESSAGE_COMPONENT: frozenset({4, 5, 6, 7, 9}),
    AUTOCOMPLETE: frozenset({8}),
    MODAL_SUBMIT: frozenset({4, 5, 6, 7}),
}

MESSAGE_FLAG_EPHEMERAL: Final = 1 << 6
MESSAGE_FLAG_LOADING: Final = 1 << 7
MESSAGE_FLAG_COMPONENTS_V2: Final = 1 << 15

ALL_PERMISSIONS: Final = discord.Permissions.all().value
ADMINISTRATOR: Final = discord.Permissions(administrator=True).value
EVERYONE_PERMISSIONS: Final = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    read_message_history=True,
    add_reactions=True,
    embed_links=True,
    attach_files=True,
    use_application_commands=True,
    use_external_emojis=True,
    create_public_threads=True,
    change_nickname=True,
).value
MODERATOR_PERMISSIONS: Final = discord.Permissions(
    manage_messages=True,
    manage_threads=True,
    kick_members=True,
    moderate_members=True,
    mention_everyone=True,
).value
BOT_ROLE_PERMISSIONS: Final = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    read_message_history=True,
    add_reactions=True,
    embed_links=True,
    attach_files=True,
).value

_MENTION_USER = re.compile(r"<@!?(\d+)>")
_MENTION_ROLE = re.compile(r"<@&(\d+)>")
_MENTION_EVERYONE = re.compile(r"@(everyone|here)\b")

# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------

_counter = itertools.count(1)


def _dumps(data: Any) -> bytes:
    """JSON as bytes: orjson (the bot's own JSON library, several times faster than the
    standard one: the fake shares the machine with the bot in the benchmarks), or the
    standard library for what orjson refuses (a lone surrogate, which the tests send)."""
    try:
        return orjson.dumps(data)
    except TypeError:
        return json.dumps(data).encode()


def _loads(raw: bytes | str) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(raw)  # what orjson refuses, e.g. an escaped lone surrogate


def _callback_of(request: Request) -> str | None:
    """The interaction id of a ``POST /interactions/{id}/{token}/callback``, else None."""
    if request.method != "POST" or not request.path.startswith("/interactions/"):
        return None
    parts = request.path.split("/")
    return parts[2] if len(parts) == 5 and parts[4] == "callback" else None


def snowflake() -> str:
    """Return a new, unique, roughly time-ordered Discord snowflake as a string."""
    ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
    return str((ms << 22) | (next(_counter) & 0x3FFFFF))


def shard_of(guild_id: str | int, shard_count: int) -> int:
    """The shard that receives a guild's events: ``(guild_id >> 22) % shard_count``."""
    return (int(guild_id) >> 22) % shard_count


def guild_id_on_shard(shard_id: int, shard_count: int) -> str:
    """A new, unique guild snowflake whose events go to ``shard_id`` of ``shard_count``."""
    if not 0 <= shard_id < shard_count:
        raise ValueError(f"shard {shard_id} is not one of 0..{shard_count - 1}")
    ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
    ms += (shard_id - ms) % shard_count
    return str((ms << 22) | (next(_counter) & 0x3FFFFF))


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


def user_mention(user_id: str | int) -> str:
    """Return the ``<@id>`` mention markup for a user."""
    return f"<@{user_id}>"


def role_mention(role_id: str | int) -> str:
    """Return the ``<@&id>`` mention markup for a role."""
    return f"<@&{role_id}>"


def channel_mention(channel_id: str | int) -> str:
    """Return the ``<#id>`` mention markup for a channel."""
    return f"<#{channel_id}>"


def _json_response(data: Any, status: int = 200) -> web.Response:
    # discord.py's json_or_text() compares the Content-Type for *equality* with
    # "application/json", so web.json_response() (which appends "; charset=utf-8") won't do.
    return web.Response(
        body=_dumps(data),
        status=status,
        headers={"Content-Type": "application/json"},
    )


def _no_content() -> web.Response:
    return web.Response(status=204)


class ApiError(Exception):
    """Raised inside a route handler to answer with a Discord-style JSON error."""

    def __init__(self, status: int, code: int, message: str, errors: Json | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def response(self) -> web.Response:
        body: Json = {"message": self.message, "code": self.code}
        if self.errors is not None:
            body["errors"] = self.errors
        return _json_response(body, status=self.status)


def _form_error(errors: Json) -> ApiError:
    return ApiError(400, 50035, "Invalid Form Body", errors)


def _field_error(path: str, code: str, message: str) -> Json:
    """Build Discord's nested ``errors`` object for one dotted field path."""
    leaf: Json = {"_errors": [{"code": code, "message": message}]}
    for part in reversed(path.split(".")):
        leaf = {part: leaf}
    return leaf


def _unknown(kind: str, code: int) -> ApiError:
    return ApiError(404, code, f"Unknown {kind}")


# --------------------------------------------------------------------------------------------
# Payload builders (plain dicts in Discord's wire format)
# --------------------------------------------------------------------------------------------


def user_payload(
    user_id: str | None = None,
    username: str = "user",
    *,
    bot: bool = False,
    global_name: str | None = None,
) -> Json:
    """A Discord user object."""
    return {
        "id": user_id or snowflake(),
        "username": username,
        "discriminator": "0",
        "global_name": global_name,
        "avatar": None,
        "bot": bot,
        "public_flags": 0,
        "flags": 0,
    }


def role_payload(
    role_id: str,
    name: str,
    *,
    permissions: int = 0,
    position: int = 0,
    mentionable: bool = False,
    managed: bool = False,
    tags: Json | None = None,
) -> Json:
    """A Discord role object. ``@everyone`` must use the guild id as its role id."""
    payload: Json = {
        "id": role_id,
        "name": name,
        "permissions": str(permissions),
        "position": position,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "color": 0,
        "hoist": False,
        "icon": None,
        "unicode_emoji": None,
        "managed": managed,
        "mentionable": mentionable,
        "flags": 0,
    }
    if tags is not None:
        payload["tags"] = tags
    return payload


def text_channel_payload(
    channel_id: str,
    guild_id: str,
    name: str,
    *,
    position: int = 0,
    topic: str | None = None,
    parent_id: str | None = None,
    permission_overwrites: Sequence[Json] = (),
) -> Json:
    """A guild text channel (type 0) object."""
    return {
        "id": channel_id,
        "type": 0,
        "guild_id": guild_id,
        "name": name,
        "position": position,
        "topic": topic,
        "parent_id": parent_id,
        "nsfw": False,
        "rate_limit_per_user": 0,
        "last_message_id": None,
        "permission_overwrites": list(permission_overwrites),
    }


def member_payload(
    user: Json,
    *,
    roles: Sequence[str] = (),
    permissions: int | str | None = None,
    nick: str | None = None,
    joined_at: str | None = None,
) -> Json:
    """A guild member object, including the ``flags`` field that discord.py 2.7 requires.

    ``permissions`` is only set on interaction members (their total permissions in the channel).
    """
    payload: Json = {
        "user": user,
        "roles": list(roles),
        "nick": nick,
        "avatar": None,
        "joined_at": joined_at or "2024-01-01T00:00:00+00:00",
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "pending": False,
        "flags": 0,
        "communication_disabled_until": None,
    }
    if permissions is not None:
        payload["permissions"] = str(permissions)
    return payload


def guild_create_payload(
    guild_id: str,
    name: str,
    owner_id: str,
    *,
    channels: Sequence[Json],
    roles: Sequence[Json],
    members: Sequence[Json],
    member_count: int | None = None,
) -> Json:
    """A full GUILD_CREATE payload. ``member_count`` defaults to ``len(members)``."""
    return {
        "id": guild_id,
        "name": name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "owner_id": owner_id,
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 1,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "nsfw_level": 0,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "en-US",
        "features": [],
        "system_channel_id": None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "max_members": 500000,
        "vanity_url_code": None,
        "joined_at": "2024-01-01T00:00:00+00:00",
        "large": False,
        "unavailable": False,
        "member_count": len(members) if member_count is None else member_count,
        "roles": list(roles),
        "channels": list(channels),
        "members": list(members),
        "threads": [],
        "emojis": [],
        "stickers": [],
        "voice_states": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
    }


def application_payload(application_id: str, name: str, owner: Json) -> Json:
    """The GET /oauth2/applications/@me object (all fields discord.py reads at login)."""
    return {
        "id": application_id,
        "name": name,
        "description": "A fake application for tests",
        "icon": None,
        "bot_public": True,
        "bot_require_code_grant": False,
        "owner": owner,
        "team": None,
        "verify_key": "0" * 64,
        "summary": "",
        "flags": 0,
        "tags": [],
        "rpc_origins": [],
        "guild_id": None,
        "approximate_guild_count": 1,
        "redirect_uris": [],
        "interactions_endpoint_url": None,
    }


@dataclass
class FakeGuild:
    """One guild the fake serves; every field is plain Discord JSON.

    ``member_count`` larger than ``len(members)`` makes a bot with the members intent ask for
    a member chunk (op 8), which the fake answers with ``members``.
    """

    id: str
    name: str
    owner_id: str
    roles: list[Json]
    channels: list[Json]
    members: list[Json]
    member_count: int | None = None

    def to_payload(self, *, members: Sequence[Json] | None = None) -> Json:
        """The GUILD_CREATE payload (optionally with a reduced member list)."""
        return guild_create_payload(
            self.id,
            self.name,
            self.owner_id,
            channels=self.channels,
            roles=self.roles,
            members=self.members if members is None else members,
            member_count=len(self.members) if self.member_count is None else self.member_count,
        )

    @property
    def everyone_role(self) -> Json:
        return self.role(self.id)

    @property
    def text_channels(self) -> list[Json]:
        return [c for c in self.channels if c["type"] == 0]

    def channel(self, key: str) -> Json:
        """A channel by id or name."""
        for c in self.channels:
            if key in (c["id"], c["name"]):
                return c
        raise KeyError(f"no channel {key!r} in guild {self.name!r}")

    def role(self, key: str) -> Json:
        """A role by id or name."""
        for r in self.roles:
            if key in (r["id"], r["name"]):
                return r
        raise KeyError(f"no role {key!r} in guild {self.name!r}")

    def member(self, user_id: str) -> Json | None:
        """The member payload for a user id, or None."""
        for m in self.members:
            if m["user"]["id"] == user_id:
                return m
        return None

    def add_member(self, user: Json, *, roles: Sequence[str] = ()) -> Json:
        """Add (or replace) a member and return its payload."""
        self.members = [m for m in self.members if m["user"]["id"] != user["id"]]
        member = member_payload(user, roles=roles)
        self.members.append(member)
        return member


def member_permissions(guild: FakeGuild, user_id: str) -> int:
    """A member's guild-level permissions (channel overwrites are ignored)."""
    if user_id == guild.owner_id:
        return ALL_PERMISSIONS
    member = guild.member(user_id)
    role_ids = set(member["roles"]) if member else set()
    value = 0
    for role in guild.roles:
        if role["id"] == guild.id or role["id"] in role_ids:
            value |= int(role["permissions"])
    return ALL_PERMISSIONS if value & ADMINISTRATOR else value


def default_guild(
    bot_user: Json,
    owner: Json,
    *,
    moderators: Sequence[Json] = (),
    fans: Sequence[Json] = (),
    guild_id: str | None = None,
    name: str = "Fan Guild",
    channel_names: Sequence[str] = ("general", "questions"),
) -> FakeGuild:
    """A guild with text channels, roles ``@everyone``, ``Moderator`` and the bot's managed
    role, and members: the owner, the bot, ``moderators`` (with Moderator) and ``fans``."""
    gid = guild_id or snowflake()
    moderator_role = role_payload(
        snowflake(),
        "Moderator",
        permissions=EVERYONE_PERMISSIONS | MODERATOR_PERMISSIONS,
        position=2,
        mentionable=True,
    )
    bot_role = role_payload(
        snowflake(),
        bot_user["username"],
        permissions=BOT_ROLE_PERMISSIONS,
        position=1,
        managed=True,
        tags={"bot_id": bot_user["id"]},
    )
    roles = [
        role_payload(gid, "@everyone", permissions=EVERYONE_PERMISSIONS),
        bot_role,
        moderator_role,
    ]
    channels = [
        text_channel_payload(snowflake(), gid, channel_name, position=index)
        for index, channel_name in enumerate(channel_names)
    ]
    members = [
        member_payload(owner),
        member_payload(bot_user, roles=[bot_role["id"]]),
        *(member_payload(u, roles=[moderator_role["id"]]) for u in moderators),
        *(member_payload(u) for u in fans),
    ]
    return FakeGuild(
        id=gid, name=name, owner_id=owner["id"], roles=roles, channels=channels, members=members
    )


def option(
    name: str,
    value: str | int | float | bool,
    *,
    type: int | None = None,
    focused: bool = False,
) -> Json:
    """An application-command option value as Discord sends it in ``data.options``.

    The type is inferred from the Python value (str 3, bool 5, int 4, float 10) unless given;
    pass ``type=6/7/8/9/11`` for user/channel/role/mentionable/attachment options (value = id).
    """
    if type is None:
        if isinstance(value, bool):
            type = 5
        elif isinstance(value, int):
            type = 4
        elif isinstance(value, float):
            type = 10
        else:
            type = 3
    payload: Json = {"name": name, "type": type, "value": value}
    if focused:
        payload["focused"] = True
    return payload


def subcommand(name: str, *options: Json) -> Json:
    """A SUB_COMMAND (type 1) option holding ``options``."""
    return {"name": name, "type": 1, "options": list(options)}


def subcommand_group(name: str, *subcommands: Json) -> Json:
    """A SUB_COMMAND_GROUP (type 2) option holding ``subcommands``."""
    return {"name": name, "type": 2, "options": list(subcommands)}


def modal_submit_components(
    modal_components: Sequence[Json], values: Mapping[str, Any]
) -> list[Json]:
    """Mirror the components of a modal the bot sent (callback type 9) as a submission.

    Text inputs (type 4) get ``value`` from ``values[custom_id]`` (default ""); selects get
    ``values`` (a list). Action rows (1) and labels (18) keep their structure.
    """
    result: list[Json] = []
    for component in modal_components:
        ctype = component["type"]
        if ctype == 1:
            result.append(
                {"type": 1, "components": modal_submit_components(component["components"], values)}
            )
        elif ctype == 18:
            inner = modal_submit_components([component["component"]], values)
            result.append({"type": 18, "id": component.get("id"), "component": inner[0]})
        elif ctype == 4:
            custom_id = component["custom_id"]
            result.append(
                {"type": 4, "custom_id": custom_id, "value": str(values.get(custom_id, ""))}
            )
        elif ctype in (3, 5, 6, 7, 8):
            custom_id = component["custom_id"]
            chosen = values.get(custom_id, [])
            result.append({"type": ctype, "custom_id": custom_id, "values": list(chosen)})
        else:
            result.append({"type": ctype, "id": component.get("id")})
    return result


def interaction_payload(
    *,
    application_id: str,
    user: Json,
    interaction_type: int = APPLICATION_COMMAND,
    name: str | None = None,
    options: Sequence[Json] = (),
    command_id: str | None = None,
    command_type: int = 1,
    command_guild_id: str | None = None,
    target_id: str | None = None,
    resolved: Json | None = None,
    custom_id: str | None = None,
    component_type: int = 2,
    values: Sequence[str] | None = None,
    components: Sequence[Json] | None = None,
    message: Json | None = None,
    guild_id: str | None = None,
    channel: Json | None = None,
    member_roles: Sequence[str] = (),
    permissions: int = EVERYONE_PERMISSIONS,
    app_permissions: int = BOT_ROLE_PERMISSIONS,
    interaction_id: str | None = None,
    token: str | None = None,
    locale: str = "en-US",
) -> Json:
    """An INTERACTION_CREATE payload with every field discord.py 2.7 requires.

    * type 2 (application command) and 4 (autocomplete): ``name``, ``options`` (use
      :func:`option` with ``focused=True`` for autocomplete, :func:`subcommand` /
      :func:`subcommand_group` for nesting), ``command_id``; for a **guild-scoped** command
      pass ``command_guild_id`` (it becomes ``data.guild_id``, which the tree needs).
      Context-menu commands: ``command_type`` 2/3 with ``target_id`` and ``resolved``.
    * type 3 (component): ``custom_id``, ``component_type`` (2 button, 3 string select, ...),
      ``values`` for selects, and ``message`` (the message the component is on).
    * type 5 (modal submit): ``custom_id`` and ``components`` (see
      :func:`modal_submit_components`).

    With ``guild_id`` the user is sent as a ``member`` with ``member_roles`` and
    ``permissions``; without it as a DM ``user``.
    """
    data: Json
    if interaction_type in (APPLICATION_COMMAND, AUTOCOMPLETE):
        if name is None:
            raise ValueError("command interactions need a name")
        data = {"id": command_id or snowflake(), "name": name, "type": command_type}
        if options:
            data["options"] = list(options)
        if command_guild_id is not None:
            data["guild_id"] = command_guild_id
        if target_id is not None:
            data["target_id"] = target_id
        if resolved is not None:
            data["resolved"] = resolved
    elif interaction_type == MESSAGE_COMPONENT:
        if custom_id is None:
            raise ValueError("component interactions need a custom_id")
        data = {"custom_id": custom_id, "component_type": component_type}
        if values is not None:
            data["values"] = list(values)
        if resolved is not None:
            data["resolved"] = resolved
    elif interaction_type == MODAL_SUBMIT:
        if custom_id is None:
            raise ValueError("modal submit interactions need a custom_id")
        data = {"custom_id": custom_id, "components": list(components or [])}
        if resolved is not None:
            data["resolved"] = resolved
    else:
        raise ValueError(f"unsupported interaction type {interaction_type}")

    payload: Json = {
        "id": interaction_id or snowflake(),
        "application_id": application_id,
        "type": interaction_type,
        "data": data,
        "token": token or f"itok-{uuid.uuid4().hex}",
        "version": 1,
        "locale": locale,
        "app_permissions": str(app_permissions),
        "entitlements": [],
        "attachment_size_limit": 10 * 1024 * 1024,
    }
    if channel is not None:
        payload["channel"] = channel
        payload["channel_id"] = channel["id"]
    if guild_id is not None:
        payload["guild_id"] = guild_id
        payload["guild"] = {"id": guild_id, "locale": "en-US", "features": []}
        payload["guild_locale"] = "en-US"
        payload["member"] = member_payload(user, roles=member_roles, permissions=permissions)
        payload["authorizing_integration_owners"] = {"0": guild_id}
        payload["context"] = 0
    else:
        payload["user"] = user
        payload["authorizing_integration_owners"] = {"1": user["id"]}
        payload["context"] = 1
    if message is not None:
        payload["message"] = message
    return payload


def message_payload(
    *,
    content: str,
    channel_id: str,
    author: Json,
    guild_id: str | None = None,
    member: Json | None = None,
    mentions: Sequence[Json] = (),
    mention_roles: Sequence[str] = (),
    mention_everyone: bool = False,
    message_id: str | None = None,
    message_type: int = 0,
    embeds: Sequence[Json] = (),
    attachments: Sequence[Json] = (),
    components: Sequence[Json] = (),
    referenced_message: Json | None = None,
    flags: int = 0,
    webhook_id: str | None = None,
    application_id: str | None = None,
) -> Json:
    """A full message object, usable as a MESSAGE_CREATE payload.

    ``member`` is the author's member object *without* ``user`` (as in MESSAGE_CREATE); a
    full member payload is accepted and its ``user`` dropped. ``mentions`` are user objects.
    """
    payload: Json = {
        "id": message_id or snowflake(),
        "type": message_type,
        "channel_id": channel_id,
        "author": author,
        "content": content,
        "timestamp": _now_iso(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": mention_everyone,
        "mentions": list(mentions),
        "mention_roles": list(mention_roles),
        "attachments": list(attachments),
        "embeds": list(embeds),
        "components": list(components),
        "pinned": False,
        "flags": flags,
    }
    if guild_id is not None:
        payload["guild_id"] = guild_id
        if member is not None:
            payload["member"] = {k: v for k, v in member.items() if k != "user"}
    if referenced_message is not None:
        payload["referenced_message"] = referenced_message
        payload["message_reference"] = {
            "type": 0,
            "message_id": referenced_message["id"],
            "channel_id": referenced_message["channel_id"],
            "guild_id": guild_id,
        }
    if webhook_id is not None:
        payload["webhook_id"] = webhook_id
    if application_id is not None:
        payload["application_id"] = application_id
    return payload


# --------------------------------------------------------------------------------------------
# Schema and limit checks (things real Discord rejects)
# --------------------------------------------------------------------------------------------

_OPTION_VALUE_TYPES: Final[Mapping[int, tuple[type, ...]]] = {
    3: (str,),
    4: (int,),
    5: (bool,),
    6: (str,),
    7: (str,),
    8: (str,),
    9: (str,),
    10: (int, float),
    11: (str,),
}


def check_command_options(
    schema: Sequence[Json], given: Sequence[Json], *, autocomplete: bool = False, path: str = ""
) -> None:
    """Raise ValueError if ``given`` option values could not come from Discord's client for a
    command whose synced option schema is ``schema`` (names, types, required, choices, ranges,
    lengths; for autocomplete exactly one focused option on an autocomplete-enabled option)."""
    by_name = {o["name"]: o for o in schema}
    seen: set[str] = set()
    for opt in given:
        where = f"{path}{opt['name']}"
        spec = by_name.get(opt["name"])
        if spec is None:
            raise ValueError(f"option {where!r} is not in the synced schema")
        if spec["type"] != opt["type"]:
            raise ValueError(f"option {where!r} has type {opt['type']}, schema says {spec['type']}")
        seen.add(opt["name"])
        if opt["type"] in (1, 2):
            check_command_options(
                spec.get("options", []),
                opt.get("options", []),
                autocomplete=autocomplete,
                path=f"{where} ",
            )
            continue
        value = opt.get("value")
        if opt.get("focused"):
            if not spec.get("autocomplete"):
                raise ValueError(f"option {where!r} is focused but has no autocomplete")
            continue
        allowed = _OPTION_VALUE_TYPES.get(opt["type"], (object,))
        if not isinstance(value, allowed) or (isinstance(value, bool) and opt["type"] != 5):
            raise ValueError(f"option {where!r}: {value!r} is not valid for type {opt['type']}")
        choices = spec.get("choices")
        if choices and value not in [c["value"] for c in choices]:
            raise ValueError(f"option {where!r}: {value!r} is not one of the choices")
        if isinstance(value, str) and opt["type"] == 3:
            if "min_length" in spec and len(value) < spec["min_length"]:
                raise ValueError(f"option {where!r} is shorter than {spec['min_length']}")
            if "max_length" in spec and len(value) > spec["max_length"]:
                raise ValueError(f"option {where!r} is longer than {spec['max_length']}")
        if isinstance(value, int | float) and opt["type"] in (4, 10):
            if spec.get("min_value") is not None and value < spec["min_value"]:
                raise ValueError(f"option {where!r}: {value} < min_value {spec['min_value']}")
            if spec.get("max_value") is not None and value > spec["max_value"]:
                raise ValueError(f"option {where!r}: {value} > max_value {spec['max_value']}")
    if autocomplete:
        focused = _count_focused(given)
        if focused != 1:
            raise ValueError(f"autocomplete needs exactly one focused option, got {focused}")
        return
    has_subcommands = any(o["type"] in (1, 2) for o in schema)
    if has_subcommands and path == "" and not given:
        raise ValueError("a command with subcommands needs a subcommand option")
    for spec in schema:
        if spec.get("required") and spec["name"] not in seen:
            raise ValueError(f"required option {path}{spec['name']!r} is missing")


def _count_focused(options: Sequence[Json]) -> int:
    total = 0
    for opt in options:
        if opt.get("focused"):
            total += 1
        total += _count_focused(opt.get("options", []))
    return total


def _check_message_body(body: Json, *, creating: bool, has_files: bool) -> None:
    """Raise ApiError for message bodies Discord would reject."""
    flags = int(body.get("flags") or 0)
    content = body.get("content")
    if content is not None and len(content) > 2000:
        raise _form_error(
            _field_error("content", "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
        )
    embeds = body.get("embeds") or []
    if len(embeds) > 10:
        raise _form_error(_field_error("embeds", "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer."))
    total = 0
    limits = {"title": 256, "description": 4096}
    for index, embed in enumerate(embeds):
        for key, limit in limits.items():
            text = embed.get(key) or ""
            total += len(text)
            if len(text) > limit:
                raise _form_error(
                    _field_error(
                        f"embeds.{index}.{key}",
                        "BASE_TYPE_MAX_LENGTH",
                        f"Must be {limit} or fewer in length.",
                    )
                )
        fields = embed.get("fields") or []
        if len(fields) > 25:
            raise _form_error(
                _field_error(
                    f"embeds.{index}.fields", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer."
                )
            )
        for f_index, fld in enumerate(fields):
            for key, limit in (("name", 256), ("value", 1024)):
                text = fld.get(key) or ""
                total += len(text)
                if not text or len(text) > limit:
                    raise _form_error(
                        _field_error(
                            f"embeds.{index}.fields.{f_index}.{key}",
                            "BASE_TYPE_BAD_LENGTH",
                            f"Must be between 1 and {limit} in length.",
                        )
                    )
        footer = (embed.get("footer") or {}).get("text") or ""
        author = (embed.get("author") or {}).get("name") or ""
        total += len(footer) + len(author)
        if len(footer) > 2048 or len(author) > 256:
            raise _form_error(
                _field_error(f"embeds.{index}", "BASE_TYPE_MAX_LENGTH", "Footer/author too long.")
            )
    if total > 6000:
        raise _form_error(
            _field_error(
                "embeds", "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000"
            )
        )
    components = body.get("components") or []
    if not flags & MESSAGE_FLAG_COMPONENTS_V2:
        if len(components) > 5:
            raise _form_error(
                _field_error("components", "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer.")
            )
        for r_index, row in enumerate(components):
            children = row.get("components") or []
            if row.get("type") != 1 or not 1 <= len(children) <= 5:
                raise _form_error(
                    _field_error(
                        f"components.{r_index}",
                        "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                        "Bad action row.",
                    )
                )
            for c_index, child in enumerate(children):
                custom_id = child.get("custom_id")
                if custom_id is not None and not 1 <= len(custom_id) <= 100:
                    raise _form_error(
                        _field_error(
                            f"components.{r_index}.components.{c_index}.custom_id",
                            "BASE_TYPE_BAD_LENGTH",
                            "Must be between 1 and 100 in length.",
                        )
                    )
                if len(child.get("label") or "") > 80:
                    raise _form_error(
                        _field_error(
                            f"components.{r_index}.components.{c_index}.label",
                            "BASE_TYPE_MAX_LENGTH",
                            "Must be 80 or fewer in length.",
                        )
                    )
    if creating and not (
        content
        or embeds
        or components
        or has_files
        or body.get("attachments")
        or body.get("sticker_ids")
        or body.get("poll")
    ):
        raise ApiError(400, 50006, "Cannot send an empty message")


def _check_autocomplete_body(data: Json) -> None:
    choices = data.get("choices") or []
    if len(choices) > 25:
        raise _form_error(
            _field_error("data.choices", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        )
    for index, choice in enumerate(choices):
        name = choice.get("name") or ""
        if not 1 <= len(name) <= 100:
            raise _form_error(
                _field_error(
                    f"data.choices.{index}.name",
                    "BASE_TYPE_BAD_LENGTH",
                    "Must be between 1 and 100 in length.",
                )
            )
        value = choice.get("value")
        if isinstance(value, str) and len(value) > 100:
            raise _form_error(
                _field_error(
                    f"data.choices.{index}.value",
                    "BASE_TYPE_MAX_LENGTH",
                    "Must be 100 or fewer in length.",
                )
            )


def _check_modal_body(data: Json) -> None:
    title = data.get("title") or ""
    if not 1 <= len(title) <= 45:
        raise _form_error(
            _field_error(
                "data.title", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 45 in length."
            )
        )
    custom_id = data.get("custom_id") or ""
    if not 1 <= len(custom_id) <= 100:
        raise _form_error(
            _field_error(
                "data.custom_id", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."
            )
        )
    if not 1 <= len(data.get("components") or []) <= 5:
        raise _form_error(
            _field_error("data.components", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5.")
        )


# --------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadedFile:
    """One file part of a multipart request."""

    field: str
    filename: str
    content_type: str | None
    data: bytes


@dataclass(frozen=True)
class Request:
    """One REST request the bot made.

    ``path`` is relative to ``/api/v10`` (e.g. ``/channels/1/messages``) and percent-decoded.
    ``json`` is the parsed JSON body (for multipart: the ``payload_json`` part), or None.
    ``time`` is ``time.monotonic()`` when the request arrived.
    """

    method: str
    path: str
    json: Any
    query: Mapping[str, str]
    time: float
    files: tuple[UploadedFile, ...] = ()
    headers: Mapping[str, str] = field(default_factory=dict)
    status: int | None = None

    def __str__(self) -> str:
        query = "?" + "&".join(f"{k}={v}" for k, v in self.query.items()) if self.query else ""
        return f"{self.method} {self.path}{query}"


@dataclass(frozen=True)
class HandlerError:
    """An exception raised inside the fake while handling a request or gateway frame."""

    where: str
    error: BaseException
    traceback: str


@dataclass(frozen=True)
class GatewayEvent:
    """One op-0 dispatch the fake sent (or dropped because of intent gating); ``shard`` is the
    shard id of the connection it was sent on (None when dropped)."""

    name: str
    data: Json
    seq: int | None
    time: float
    shard: int | None = None


@dataclass
class _Session:
    id: str
    intents: int
    seq: int = 0
    shard: tuple[int, int] = (0, 1)
    """``(shard_id, num_shards)`` from IDENTIFY; ``(0, 1)`` when it carried none."""

    def receives(self, guild_id: str | None) -> bool:
        """Whether this session's shard gets the events of ``guild_id`` (None: not in a
        guild, which Discord sends to shard 0)."""
        shard_id, count = self.shard
        return shard_id == (0 if guild_id is None else shard_of(guild_id, count))


class _GatewayConnection:
    def __init__(self, ws: web.WebSocketResponse, path: str, query: Mapping[str, str]) -> None:
        self.ws = ws
        self.path = path
        self.query = dict(query)
        self.session: _Session | None = None
        self.lock = asyncio.Lock()

    async def send(self, payload: Json) -> None:
        async with self.lock:
            await self.ws.send_str(_dumps(payload).decode())

    async def send_dispatch(self, name: str, data: Json) -> GatewayEvent:
        assert self.session is not None
        async with self.lock:
            self.session.seq += 1
            seq = self.session.seq
            await self.ws.send_str(_dumps({"op": 0, "t": name, "s": seq, "d": data}).decode())
            return GatewayEvent(name, data, seq, time.monotonic(), self.session.shard[0])


@dataclass
class _Waiter:
    predicate: Callable[[Request], bool]
    since: int
    future: asyncio.Future[Request]


@dataclass(frozen=True)
class _Call:
    """What a REST route handler gets: the request, path parameters and the parsed body."""

    request: web.Request
    params: dict[str, str]
    body: Any
    files: tuple[UploadedFile, ...]

    @property
    def json(self) -> Json:
        return self.body if isinstance(self.body, dict) else {}


_Handler = Callable[[_Call], Awaitable[web.StreamResponse]]


# --------------------------------------------------------------------------------------------
# The fake
# --------------------------------------------------------------------------------------------


class FakeDiscord:
    """A fake Discord REST API + gateway on 127.0.0.1.

    Recorded state (all public, plain data):

    * ``requests``: every REST request, in order (:class:`Request`).
    * ``unknown``: requests to routes the fake does not implement (answered 404).
    * ``errors``: exceptions inside the fake (:class:`HandlerError`; the request got a 400).
    * ``identify`` / ``identifies``: the last / all IDENTIFY payloads (``d``; a sharded bot's
      carry ``shard: [shard_id, num_shards]``), ``resumes``:
      RESUME payloads, ``gateway_received``: every frame the bot sent on the gateway,
      ``gateway_connects``: ``(path, query)`` per websocket connection.
    * ``events``: every dispatch sent (each with the ``shard`` it went to);
      ``dropped_events``: dispatches not delivered because of intent gating.
    * ``commands``: global commands as last synced; ``guild_commands[guild_id]``: per guild.
    * ``interactions``: dispatched INTERACTION_CREATE payloads by interaction id;
      ``callbacks``: the accepted callback body by interaction id.
    * ``messages``: every message known to the fake (sent by the bot or dispatched) by id.
    """

    def __init__(
        self,
        *,
        bot_user: Json | None = None,
        application_id: str | None = None,
        owner: Json | None = None,
        guilds: Sequence[FakeGuild] | None = None,
        granted_intents: int = PRIVILEGED_INTENTS,
        intent_gating: bool = True,
        ack_deadline: float | None = 3.0,
        heartbeat_interval_ms: int = 41_250,
        shard_count: int = 1,
        max_concurrency: int = 1,
    ) -> None:
        """``shard_count``: the recommended number of shards ``GET /gateway/bot`` answers;
        ``max_concurrency``: how many shards may IDENTIFY at once (its session start limit).
        ``granted_intents``: the privileged intents enabled in the "developer portal";
        IDENTIFY with any other privileged intent is closed with 4014.
        ``ack_deadline``: seconds after dispatch within which an interaction must get its
        first callback (Discord: 3 s; None disables). ``intent_gating``: see module docs."""
        self.bot_user: Json = bot_user or user_payload(username="FanQ", bot=True)
        self.application_id: str = application_id or self.bot_user["id"]
        self.owner: Json = owner or user_payload(username="owner")
        self.fan: Json = user_payload(username="fan")
        self.moderator: Json = user_payload(username="mod")
        self.guilds: list[FakeGuild] = (
            list(guilds)
            if guilds is not None
            else [
                default_guild(
                    self.bot_user, self.owner, moderators=[self.moderator], fans=[self.fan]
                )
            ]
        )
        self.application: Json = application_payload(self.application_id, "FanQ", self.owner)
        self.granted_intents = granted_intents
        self.intent_gating = intent_gating
        self.ack_deadline = ack_deadline
        self.heartbeat_interval_ms = heartbeat_interval_ms
        if shard_count < 1 or max_concurrency < 1:
            raise ValueError("shard_count and max_concurrency must be at least 1")
        self.shard_count = shard_count
        self.max_concurrency = max_concurrency

        self.requests: list[Request] = []
        self.unknown: list[Request] = []
        self.errors: list[HandlerError] = []
        self.identify: Json | None = None
        self.identifies: list[Json] = []
        self.resumes: list[Json] = []
        self.gateway_received: list[Json] = []
        self.gateway_connects: list[tuple[str, dict[str, str]]] = []
        self.events: list[GatewayEvent] = []
        self.dropped_events: list[GatewayEvent] = []
        self.commands: list[Json] = []
        self.guild_commands: dict[str, list[Json]] = {}
        self.interactions: dict[str, Json] = {}
        self.callbacks: dict[str, Json] = {}
        self.messages: dict[str, Json] = {}
        self.dm_channels: dict[str, Json] = {}

        self._interaction_times: dict[str, float] = {}
        self._token_to_interaction: dict[str, str] = {}
        self._rejections: list[tuple[str, re.Pattern[str], ApiError]] = []
        """:meth:`reject_next`'s pending errors: (method, path pattern, error)."""
        self._original_message: dict[str, str] = {}
        self._waiters: list[_Waiter] = []
        self._callback_waiters: dict[str, list[tuple[int, asyncio.Future[Request]]]] = {}
        """:meth:`wait_for_callback`'s waiters by interaction id: (since, future)."""
        self._connections: list[_GatewayConnection] = []
        self._current: _GatewayConnection | None = None
        """The connection identified or resumed last (the one :meth:`request_reconnect` and
        :meth:`wait_for_gateway` mean when no shard is named)."""
        self._ready: list[_GatewayConnection] = []
        """Every connection that is identified or resumed, whatever its shard."""
        self._ready_changed = asyncio.Condition()
        self._sessions: dict[str, _Session] = {}
        self._gateway_ready = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._saved: tuple[str, yarl.URL] | None = None
        self._routes: list[tuple[str, re.Pattern[str], _Handler]] = []
        self._build_routes()

    @classmethod
    def sharded(cls, shard_count: int, guilds_per_shard: int = 1, **options: Any) -> FakeDiscord:
        """A fake recommending ``shard_count`` shards, with ``guilds_per_shard`` servers on
        each shard, in round-robin order (server ``i`` is on shard ``i % shard_count``, named
        ``server i``); owner ``owner`` and member ``fan`` in every one."""
        bot_user = options.pop("bot_user", None) or user_payload(username="FanQ", bot=True)
        owner = options.pop("owner", None) or user_payload(username="owner")
        fan = user_payload(username="fan")
        guilds = [
            default_guild(
                bot_user,
                owner,
                fans=[fan],
                guild_id=guild_id_on_shard(index % shard_count, shard_count),
                name=f"server {index}",
            )
            for index in range(shard_count * guilds_per_shard)
        ]
        fake = cls(
            bot_user=bot_user, owner=owner, guilds=guilds, shard_count=shard_count, **options
        )
        fake.fan = fan
        return fake

    # ---------------------------------------------------------------- lifecycle

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("FakeDiscord is not started")
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}{GATEWAY_PATH}"

    @property
    def resume_gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}{RESUME_GATEWAY_PATH}"

    @property
    def guild(self) -> FakeGuild:
        """The first guild."""
        return self.guilds[0]

    async def start(self) -> None:
        """Bind to 127.0.0.1 on a free port and start serving."""
        app = web.Application(middlewares=[self._middleware])
        app.router.add_get(GATEWAY_PATH, self._gateway)
        app.router.add_get(RESUME_GATEWAY_PATH, self._gateway)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._rest)
        app.router.add_route("*", "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        assert host == "127.0.0.1"
        self._port = int(port)

    async def stop(self) -> None:
        """Close gateway connections, fail pending waiters and shut the server down."""
        for conn in list(self._connections):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.ws.close(code=1001, message=b"fake stopping"), 1.0)
        for waiter in self._waiters:
            if not waiter.future.done():
                waiter.future.set_exception(RuntimeError("FakeDiscord stopped"))
        self._waiters.clear()
        if self._runner is not None:
            await asyncio.wait_for(self._runner.cleanup(), 5.0)
            self._runner = None
        self.uninstall()

    def install(self) -> None:
        """Point discord.py's REST base and default gateway at this fake (class attributes)."""
        if self._saved is None:
            self._saved = (
                discord.http.Route.BASE,
                discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY,
            )
        discord.http.Route.BASE = self.base_url
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)

    def uninstall(self) -> None:
        """Restore the values saved by :meth:`install`."""
        if self._saved is not None:
            discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = self._saved
            self._saved = None

    def reject_next(
        self,
        method: str,
        path: str,
        *,
        status: int = 400,
        code: int = 50035,
        message: str = "Invalid Form Body",
    ) -> None:
        """Answer the next ``method`` request whose path (below ``/api/v10``) fully matches
        the regular expression ``path`` with this error instead of handling it, once (a
        fault for tests; recorded with its status like any request). 5xx is refused:
        discord.py retries those for seconds."""
        if status >= 500:
            raise ValueError("a 5xx makes discord.py retry for 25 s; use a 4xx")
        self._rejections.append((method, re.compile(path), ApiError(status, code, message)))

    # ---------------------------------------------------------------- waiting

    def mark(self) -> int:
        """The current number of recorded requests; pass it as ``since`` to only see newer ones."""
        return len(self.requests)

    async def wait_for_request(
        self,
        predicate: Callable[[Request], bool],
        *,
        since: int = 0,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> Request:
        """The first recorded request at index >= ``since`` that matches ``predicate``, waiting
        up to ``timeout`` seconds for it to arrive (TimeoutError lists what did arrive)."""
        for request in self.requests[since:]:
            if predicate(request):
                return request
        future: asyncio.Future[Request] = asyncio.get_running_loop().create_future()
        waiter = _Waiter(predicate, since, future)
        self._waiters.append(waiter)
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise self._timed_out("no matching request", since, timeout) from None
        finally:
            with contextlib.suppress(ValueError):
                self._waiters.remove(waiter)

    def _timed_out(self, what: str, since: int, timeout: float) -> TimeoutError:
        """A TimeoutError saying what did not arrive, and listing what did and the fake's errors."""
        seen = "\n  ".join(str(r) for r in self.requests[since:][-15:]) or "(none)"
        errors = "\n  ".join(f"{e.where}: {e.error!r}" for e in self.errors) or "(none)"
        return TimeoutError(
            f"{what} within {timeout}s.\nRequests since #{since}:\n  {seen}\n"
            f"Fake errors:\n  {errors}"
        )

    async def wait_for_callback(
        self,
        interaction_id: str,
        *,
        since: int = 0,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> Request:
        """The POST /interactions/{id}/{token}/callback for ``interaction_id``.

        Waiters are kept by interaction id, not in the general waiter list: with many
        interactions in flight (the benchmarks), each request would otherwise be checked
        against every waiting interaction."""
        for request in self.requests[since:]:
            if _callback_of(request) == interaction_id:
                return request
        future: asyncio.Future[Request] = asyncio.get_running_loop().create_future()
        waiters = self._callback_waiters.setdefault(interaction_id, [])
        waiter = (since, future)
        waiters.append(waiter)
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise self._timed_out(
                f"no callback for interaction {interaction_id}", since, timeout
            ) from None
        finally:
            waiters.remove(waiter)
            if not waiters:
                del self._callback_waiters[interaction_id]

    async def wait_for_message(
        self,
        channel_id: str,
        *,
        since: int = 0,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> Request:
        """The next POST /channels/{channel_id}/messages."""
        path = f"/channels/{channel_id}/messages"
        return await self.wait_for_request(
            lambda r: r.method == "POST" and r.path == path, since=since, timeout=timeout
        )

    async def wait_for_webhook(
        self,
        token: str,
        *,
        method: str = "POST",
        since: int = 0,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> Request:
        """A request to /webhooks/{app_id}/{token}[/...] (followups, original-response edits)."""
        prefix = f"/webhooks/{self.application_id}/{token}"
        return await self.wait_for_request(
            lambda r: r.method == method and (r.path == prefix or r.path.startswith(prefix + "/")),
            since=since,
            timeout=timeout,
        )

    async def interact(
        self,
        payload: Json,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
        settle: discord.Client | None = None,
    ) -> Request:
        """Dispatch an INTERACTION_CREATE and return the bot's callback request.

        The request is recorded when the fake has answered it, which can be before discord.py
        has *processed* the answer. For an application command, ``settle=bot`` also waits for
        the bot's ``app_command_completion`` event for this interaction, so state discord.py
        stores after the callback (a view sent with the reply, an opened modal) is in place
        before the test dispatches the next event. A command that raises never completes;
        that ends in TimeoutError.
        """
        completion: asyncio.Future[Any] | None = None
        if settle is not None and payload["type"] == APPLICATION_COMMAND:
            wanted = int(payload["id"])
            completion = asyncio.ensure_future(
                settle.wait_for(
                    "app_command_completion",
                    check=lambda interaction, _command: interaction.id == wanted,
                    timeout=timeout,
                )
            )
        try:
            since = self.mark()
            await self.dispatch("INTERACTION_CREATE", payload, timeout=timeout)
            request = await self.wait_for_callback(payload["id"], since=since, timeout=timeout)
            if completion is not None:
                try:
                    await completion
                except TimeoutError:
                    raise TimeoutError(
                        f"command {payload['data'].get('name')!r} answered but did not complete "
                        f"within {timeout}s (did it raise?)"
                    ) from None
            return request
        finally:
            if completion is not None and not completion.done():
                completion.cancel()

    def _record(self, request: Request) -> None:
        self.requests.append(request)
        index = len(self.requests) - 1
        interaction_id = _callback_of(request)
        if interaction_id is not None:
            for since, future in self._callback_waiters.get(interaction_id, ()):
                if not future.done() and index >= since:
                    future.set_result(request)
        for waiter in list(self._waiters):
            if waiter.future.done() or index < waiter.since:
                continue
            try:
                matched = waiter.predicate(request)
            except Exception as exc:  # a broken predicate must fail the test, not the fake
                waiter.future.set_exception(exc)
                continue
            if matched:
                waiter.future.set_result(request)

    # ---------------------------------------------------------------- gateway

    async def dispatch(
        self,
        event_name: str,
        data: Json,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> bool:
        """Send an op-0 event (increasing ``s``) to the identified connection of the shard
        that receives the event's guild (``guild_id``, or ``id`` for GUILD_* events).

        Waits up to ``timeout`` for such a READY/RESUMED connection. Returns False (and records
        the event in ``dropped_events``) if intent gating drops it. INTERACTION_CREATE payloads
        are remembered so callbacks and webhooks can be checked; MESSAGE_CREATE payloads are
        added to ``messages``.
        """
        guild_id = _event_guild_id(event_name, data)
        conn = await self._connection_for(guild_id, timeout)
        assert conn.session is not None
        if event_name == "INTERACTION_CREATE":
            self.interactions[data["id"]] = data
            self._interaction_times[data["id"]] = time.monotonic()
            self._token_to_interaction[data["token"]] = data["id"]
        elif event_name == "MESSAGE_CREATE":
            self.messages[data["id"]] = data
        gated = self._apply_intents(event_name, data, conn.session.intents)
        if gated is None:
            self.dropped_events.append(GatewayEvent(event_name, data, None, time.monotonic()))
            return False
        self.events.append(await conn.send_dispatch(event_name, gated))
        return True

    def connection_shards(self) -> list[tuple[int, int]]:
        """``(shard_id, num_shards)`` of every identified or resumed connection, sorted."""
        return sorted(c.session.shard for c in self._ready if c.session is not None)

    def _find_connection(self, guild_id: str | None) -> _GatewayConnection | None:
        for conn in reversed(self._ready):
            if conn.session is not None and conn.session.receives(guild_id):
                return conn
        return None

    async def _connection_for(
        self,
        guild_id: str | None,
        timeout: float,  # noqa: ASYNC109
    ) -> _GatewayConnection:
        """The ready connection that receives ``guild_id``'s events, waiting for one."""
        ready = self._find_connection(guild_id)
        if ready is not None:  # the usual case, without the lock and a timer
            return ready
        async with self._ready_changed:
            try:
                await asyncio.wait_for(
                    self._ready_changed.wait_for(lambda: self._find_connection(guild_id)),
                    timeout,
                )
            except TimeoutError:
                where = f"for guild {guild_id}" if guild_id else "for events outside guilds"
                raise TimeoutError(
                    f"no identified gateway connection {where} within {timeout}s "
                    f"(connected shards: {self.connection_shards() or 'none'})"
                ) from None
        conn = self._find_connection(guild_id)
        assert conn is not None
        return conn

    async def _set_ready(self, conn: _GatewayConnection) -> None:
        if conn not in self._ready:
            self._ready.append(conn)
        self._current = conn
        self._gateway_ready.set()
        async with self._ready_changed:
            self._ready_changed.notify_all()

    def _unset_ready(self, conn: _GatewayConnection) -> None:
        with contextlib.suppress(ValueError):
            self._ready.remove(conn)
        if self._current is conn:
            self._current = self._ready[-1] if self._ready else None
        if not self._ready:
            self._gateway_ready.clear()

    async def request_reconnect(self, shard_id: int | None = None) -> None:
        """Send op 7 RECONNECT (to shard ``shard_id``, else to the connection identified
        last); discord.py reconnects to ``resume_gateway_url`` and RESUMEs."""
        if shard_id is None:
            conn = self._current
        else:
            conn = next(
                (c for c in self._ready if c.session and c.session.shard[0] == shard_id), None
            )
        if conn is None:
            raise RuntimeError("no gateway connection")
        self._unset_ready(conn)
        await conn.send({"op": 7, "d": None})

    async def wait_for_gateway(
        self,
        *,
        shard_id: int | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> None:
        """Wait until a connection has been identified (READY sent) or resumed (one for
        ``shard_id`` when given)."""
        if shard_id is None:
            await asyncio.wait_for(self._gateway_ready.wait(), timeout)
            return

        def ready() -> bool:
            return any(c.session and c.session.shard[0] == shard_id for c in self._ready)

        async with self._ready_changed:
            await asyncio.wait_for(self._ready_changed.wait_for(ready), timeout)

    def _apply_intents(self, event_name: str, data: Json, intents: int) -> Json | None:
        if not self.intent_gating or event_name not in ("MESSAGE_CREATE", "MESSAGE_UPDATE"):
            return data
        in_guild = data.get("guild_id") is not None
        needed = INTENT_GUILD_MESSAGES if in_guild else INTENT_DIRECT_MESSAGES
        if not intents & needed:
            return None
        if intents & INTENT_MESSAGE_CONTENT or not in_guild:
            return data
        bot_id = self.bot_user["id"]
        author_id = (data.get("author") or {}).get("id")
        mentioned = any(u.get("id") == bot_id for u in data.get("mentions") or [])
        if author_id == bot_id or mentioned:
            return data
        blanked = dict(data)
        blanked.update(content="", embeds=[], attachments=[], components=[])
        blanked.pop("poll", None)
        return blanked

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        conn = _GatewayConnection(ws, request.path, request.query)
        self._connections.append(conn)
        self.gateway_connects.append((request.path, dict(request.query)))
        try:
            await conn.send({"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval_ms}})
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                try:
                    frame = _loads(msg.data)
                    self.gateway_received.append(frame)
                    await self._on_gateway_frame(conn, frame)
                except Exception as exc:
                    self._record_error(f"gateway {msg.data[:80]!r}", exc)
        finally:
            self._connections.remove(conn)
            self._unset_ready(conn)
        return ws

    async def _on_gateway_frame(self, conn: _GatewayConnection, frame: Json) -> None:
        op = frame.get("op")
        d: Json = frame["d"] if isinstance(frame.get("d"), dict) else {}
        if op == 1:
            await conn.send({"op": 11})
        elif op == 2:
            await self._on_identify(conn, d)
        elif op == 6:
            await self._on_resume(conn, d)
        elif op == 8:
            await self._on_request_members(conn, d)
        # op 3 (presence), op 4 (voice state) and others are only recorded.

    async def _on_identify(self, conn: _GatewayConnection, d: Json) -> None:
        self.identify = d
        self.identifies.append(d)
        intents = int(d.get("intents", 0))
        if intents & PRIVILEGED_INTENTS & ~self.granted_intents:
            await conn.ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        shard = _identify_shard(d.get("shard"))
        if shard is None:
            await conn.ws.close(code=4010, message=b"Invalid shard.")
            return
        session = _Session(id=uuid.uuid4().hex, intents=intents, shard=shard)
        self._sessions[session.id] = session
        conn.session = session
        guilds = [g for g in self.guilds if session.receives(g.id)]
        ready = {
            "v": 10,
            "user": {**self.bot_user, "verified": True, "mfa_enabled": False},
            "guilds": [{"id": g.id, "unavailable": True} for g in guilds],
            "session_id": session.id,
            "resume_gateway_url": self.resume_gateway_url,
            "session_type": "normal",
            "application": {"id": self.application_id, "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "user_settings": {},
        }
        if "shard" in d:
            ready["shard"] = list(shard)
        self.events.append(await conn.send_dispatch("READY", ready))
        for guild in guilds:
            members = guild.members
            if self.intent_gating and not intents & INTENT_GUILD_MEMBERS:
                members = [m for m in guild.members if m["user"]["id"] == self.bot_user["id"]]
            payload = guild.to_payload(members=members)
            self.events.append(await conn.send_dispatch("GUILD_CREATE", payload))
        await self._set_ready(conn)

    async def _on_resume(self, conn: _GatewayConnection, d: Json) -> None:
        self.resumes.append(d)
        session = self._sessions.get(str(d.get("session_id")))
        if session is None:
            await conn.send({"op": 9, "d": False})
            return
        conn.session = session
        self.events.append(await conn.send_dispatch("RESUMED", {}))
        await self._set_ready(conn)

    async def _on_request_members(self, conn: _GatewayConnection, d: Json) -> None:
        guild_ids = d["guild_id"] if isinstance(d["guild_id"], list) else [d["guild_id"]]
        for guild_id in guild_ids:
            guild = self._guild(str(guild_id))
            members = guild.members
            user_ids = d.get("user_ids")
            if user_ids:
                wanted = {str(u) for u in (user_ids if isinstance(user_ids, list) else [user_ids])}
                members = [m for m in members if m["user"]["id"] in wanted]
            elif d.get("query"):
                q = str(d["query"]).lower()
                members = [m for m in members if m["user"]["username"].lower().startswith(q)]
            limit = int(d.get("limit") or 0)
            if limit:
                members = members[:limit]
            chunk: Json = {
                "guild_id": guild.id,
                "members": members,
                "chunk_index": 0,
                "chunk_count": 1,
                "not_found": [],
            }
            if d.get("nonce") is not None:
                chunk["nonce"] = d["nonce"]
            if d.get("presences"):
                chunk["presences"] = []
            self.events.append(await conn.send_dispatch("GUILD_MEMBERS_CHUNK", chunk))

    # ---------------------------------------------------------------- payload conveniences

    def _guild(self, guild_id: str) -> FakeGuild:
        for guild in self.guilds:
            if guild.id == guild_id:
                return guild
        raise ApiError(403, 50001, "Missing Access")

    def _known_users(self) -> dict[str, Json]:
        users = {u["id"]: u for u in (self.bot_user, self.owner, self.fan, self.moderator)}
        for guild in self.guilds:
            for member in guild.members:
                users[member["user"]["id"]] = member["user"]
        return users

    def find_command(
        self, name: str, *, command_type: int = 1, guild_id: str | None = None
    ) -> Json | None:
        """The synced command ``name`` (guild commands of ``guild_id`` first, then global)."""
        candidates = [*self.guild_commands.get(guild_id, [])] if guild_id else []
        candidates += self.commands
        for command in candidates:
            if command["name"] == name and command.get("type", 1) == command_type:
                return command
        return None

    def _context(
        self, user: Json | None, channel_id: str | None, guild: FakeGuild | None, dm: bool
    ) -> tuple[Json, FakeGuild | None, Json]:
        user = user or self.fan
        if dm:
            channel = self._dm_channel_for(user)
            return user, None, channel
        guild = guild or self.guild
        channel = guild.channel(channel_id) if channel_id else guild.text_channels[0]
        return user, guild, channel

    def _dm_channel_for(self, user: Json) -> Json:
        for channel in self.dm_channels.values():
            if channel["recipients"][0]["id"] == user["id"]:
                return channel
        channel = {"id": snowflake(), "type": 1, "recipients": [user], "last_message_id": None}
        self.dm_channels[channel["id"]] = channel
        return channel

    def _resolve_options(self, options: Sequence[Json], guild: FakeGuild | None) -> Json:
        """``data.resolved`` for user/channel/role/mentionable option values, as Discord sends."""
        resolved: dict[str, dict[str, Json]] = {}
        users = self._known_users()
        for opt in options:
            if opt["type"] in (1, 2):
                nested = self._resolve_options(opt.get("options", []), guild)
                for key, values in nested.items():
                    resolved.setdefault(key, {}).update(values)
                continue
            value = str(opt.get("value"))
            if opt["type"] in (6, 9) and value in users:
                resolved.setdefault("users", {})[value] = users[value]
                member = guild.member(value) if guild is not None else None
                if guild is not None and member is not None:
                    partial = {k: v for k, v in member.items() if k != "user"}
                    partial["permissions"] = str(member_permissions(guild, value))
                    resolved.setdefault("members", {})[value] = partial
            if opt["type"] in (8, 9) and guild is not None:
                role = next((r for r in guild.roles if r["id"] == value), None)
                if role is not None:
                    resolved.setdefault("roles", {})[value] = role
            if opt["type"] == 7 and guild is not None:
                channel = next((c for c in guild.channels if c["id"] == value), None)
                if channel is not None:
                    resolved.setdefault("channels", {})[value] = {
                        "id": channel["id"],
                        "name": channel["name"],
                        "type": channel["type"],
                        "parent_id": channel.get("parent_id"),
                        "permissions": str(member_permissions(guild, self.bot_user["id"])),
                    }
        return dict(resolved)

    def _interaction_common(
        self, user: Json, guild: FakeGuild | None, channel: Json, permissions: int | None
    ) -> Json:
        common: Json = {"application_id": self.application_id, "user": user, "channel": channel}
        if guild is not None:
            member = guild.member(user["id"])
            common["guild_id"] = guild.id
            common["member_roles"] = list(member["roles"]) if member else []
            common["permissions"] = (
                member_permissions(guild, user["id"]) if permissions is None else permissions
            )
            common["app_permissions"] = member_permissions(guild, self.bot_user["id"])
        return common

    def command_interaction(
        self,
        name: str,
        *options: Json,
        user: Json | None = None,
        channel_id: str | None = None,
        guild: FakeGuild | None = None,
        dm: bool = False,
        permissions: int | None = None,
        autocomplete: bool = False,
        command_type: int = 1,
        target_id: str | None = None,
        resolved: Json | None = None,
        require_synced: bool = True,
        validate: bool = True,
    ) -> Json:
        """An application-command (or, with ``autocomplete=True``, autocomplete) interaction.

        Defaults: user ``fan``, the first guild and its first text channel, member permissions
        computed from roles. The synced command supplies ``data.id`` and, for guild commands,
        ``data.guild_id``; options are checked against its schema (``validate``). With
        ``require_synced`` (default) an unsynced command raises LookupError, since Discord
        could never send it. user/channel/role options get ``data.resolved`` filled in.
        """
        user, guild_obj, channel = self._context(user, channel_id, guild, dm)
        command = self.find_command(
            name, command_type=command_type, guild_id=guild_obj.id if guild_obj else None
        )
        if command is None and require_synced:
            raise LookupError(f"command {name!r} (type {command_type}) has not been synced")
        if command is not None and validate:
            check_command_options(command.get("options", []), options, autocomplete=autocomplete)
        if resolved is None:
            resolved = self._resolve_options(options, guild_obj) or None
        return interaction_payload(
            **self._interaction_common(user, guild_obj, channel, permissions),
            interaction_type=AUTOCOMPLETE if autocomplete else APPLICATION_COMMAND,
            name=name,
            options=options,
            command_id=command["id"] if command else None,
            command_type=command_type,
            command_guild_id=command.get("guild_id") if command else None,
            target_id=target_id,
            resolved=resolved,
        )

    def component_interaction(
        self,
        message: Json | str,
        custom_id: str,
        *,
        values: Sequence[str] | None = None,
        component_type: int | None = None,
        user: Json | None = None,
        permissions: int | None = None,
    ) -> Json:
        """A component (button/select) interaction on ``message`` (a payload or a message id
        from ``messages``). The component type is looked up in the message by ``custom_id``
        unless given; LookupError if the message has no such component."""
        msg = self.messages[message] if isinstance(message, str) else message
        found = _find_component(msg.get("components") or [], custom_id)
        if component_type is None:
            if found is None:
                raise LookupError(f"message {msg['id']} has no component {custom_id!r}")
            component_type = int(found["type"])
        guild_obj = self._guild(msg["guild_id"]) if msg.get("guild_id") else None
        if guild_obj is not None:
            channel = guild_obj.channel(msg["channel_id"])
        else:
            channel = self.dm_channels.get(msg["channel_id"]) or {
                "id": msg["channel_id"],
                "type": 1,
                "recipients": [user or self.fan],
            }
        user = user or self.fan
        return interaction_payload(
            **self._interaction_common(user, guild_obj, channel, permissions),
            interaction_type=MESSAGE_COMPONENT,
            custom_id=custom_id,
            component_type=component_type,
            values=values,
            message=msg,
        )

    def modal_submit_interaction(
        self,
        source_interaction_id: str,
        values: Mapping[str, Any],
        *,
        user: Json | None = None,
    ) -> Json:
        """Submit the modal the bot opened (callback type 9) for ``source_interaction_id``;
        ``values`` maps text-input/select custom_ids to what the user entered."""
        callback = self.callbacks.get(source_interaction_id)
        if callback is None or callback.get("type") != CALLBACK_MODAL:
            raise LookupError(f"interaction {source_interaction_id} was not answered with a modal")
        modal = callback["data"]
        source = self.interactions[source_interaction_id]
        if user is None:
            user = (source.get("member") or {}).get("user") or source.get("user") or self.fan
        guild_obj = self._guild(source["guild_id"]) if source.get("guild_id") else None
        payload = interaction_payload(
            **self._interaction_common(user, guild_obj, source["channel"], None),
            interaction_type=MODAL_SUBMIT,
            custom_id=modal["custom_id"],
            components=modal_submit_components(modal["components"], values),
            message=source.get("message"),
        )
        return payload

    def message_event(
        self,
        content: str,
        *,
        author: Json | None = None,
        channel_id: str | None = None,
        guild: FakeGuild | None = None,
        dm: bool = False,
        mentions: Sequence[Json] | None = None,
        reply_to: Json | str | None = None,
        attachments: Sequence[Json] = (),
        embeds: Sequence[Json] = (),
    ) -> Json:
        """A MESSAGE_CREATE payload from a user (default ``fan``) in a guild channel or a DM.

        Unless ``mentions`` is given, ``<@id>``, ``<@&id>`` and ``@everyone``/``@here`` in
        ``content`` fill ``mentions``/``mention_roles``/``mention_everyone`` like Discord
        does; replying to a message mentions its author.
        """
        author, guild_obj, channel = self._context(author, channel_id, guild, dm)
        users = self._known_users()
        if mentions is None:
            ids = list(dict.fromkeys(_MENTION_USER.findall(content)))
            mentions = [users[i] for i in ids if i in users]
        mention_list = [dict(u) for u in mentions]
        referenced = self.messages[reply_to] if isinstance(reply_to, str) else reply_to
        if referenced is not None and all(
            u["id"] != referenced["author"]["id"] for u in mention_list
        ):
            mention_list.append(referenced["author"])
        mention_roles: list[str] = []
        member: Json | None = None
        if guild_obj is not None:
            role_ids = {r["id"] for r in guild_obj.roles}
            mention_roles = [
                r for r in dict.fromkeys(_MENTION_ROLE.findall(content)) if r in role_ids
            ]
            member = guild_obj.member(author["id"])
            for entry in mention_list:
                m = guild_obj.member(entry["id"])
                if m is not None:
                    entry["member"] = {k: v for k, v in m.items() if k != "user"}
        return message_payload(
            content=content,
            channel_id=channel["id"],
            author=author,
            guild_id=guild_obj.id if guild_obj else None,
            member=member,
            mentions=mention_list,
            mention_roles=mention_roles,
            mention_everyone=bool(_MENTION_EVERYONE.search(content)) and guild_obj is not None,
            referenced_message=referenced,
            attachments=attachments,
            embeds=embeds,
        )

    # ---------------------------------------------------------------- HTTP plumbing

    @web.middleware
    async def _middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if request.path in (GATEWAY_PATH, RESUME_GATEWAY_PATH):
            return await handler(request)
        try:
            return await handler(request)
        except ApiError as exc:
            return exc.response()
        except Exception as exc:
            self._record_error(f"{request.method} {request.path}", exc)
            return ApiError(400, 0, f"fake discord error: {exc!r}").response()

    def _record_error(self, where: str, exc: BaseException) -> None:
        self.errors.append(HandlerError(where, exc, traceback.format_exc()))

    async def _read_body(self, request: web.Request) -> tuple[Any, tuple[UploadedFile, ...]]:
        content_type = request.content_type
        if content_type.startswith("multipart/"):
            reader = await request.multipart()
            body: Any = None
            files: list[UploadedFile] = []
            async for part in reader:
                if not isinstance(part, BodyPartReader):
                    continue
                if part.name == "payload_json":
                    body = _loads(await part.text())
                else:
                    files.append(
                        UploadedFile(
                            field=part.name or "",
                            filename=part.filename or "",
                            content_type=part.headers.get("Content-Type"),
                            data=bytes(await part.read()),
                        )
                    )
            return body, tuple(files)
        raw = await request.read()
        if not raw:
            return None, ()
        try:
            return _loads(raw), ()
        except ValueError:
            return raw.decode(errors="replace"), ()

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        if path.startswith(API_PREFIX):
            path = path[len(API_PREFIX) :] or "/"
        try:
            body, files = await self._read_body(request)
        except Exception as exc:
            self._record_error(f"{request.method} {path} (body)", exc)
            body, files = None, ()
        record = Request(
            method=request.method,
            path=path,
            json=body,
            query=dict(request.query),
            time=time.monotonic(),
            files=files,
            headers=dict(request.headers),
        )
        handler: _Handler | None = None
        params: dict[str, str] = {}
        if request.path.startswith(API_PREFIX + "/"):
            for method, pattern, candidate in self._routes:
                if method == request.method and (match := pattern.fullmatch(path)):
                    handler, params = candidate, match.groupdict()
                    break
        status = 404
        try:
            if handler is None:
                raise ApiError(404, 0, "404: Not Found")
            if self._rejections:
                self._reject_if_asked(request.method, path)
            response = await handler(_Call(request, params, body, files))
            status = response.status
            return response
        except ApiError as exc:
            status = exc.status
            raise
        except Exception:
            status = 400
            raise
        finally:
            record = dataclasses.replace(record, status=status)
            if handler is None:
                self.unknown.append(record)
            self._record(record)

    def _reject_if_asked(self, method: str, path: str) -> None:
        for index, (wanted, pattern, error) in enumerate(self._rejections):
            if wanted == method and pattern.fullmatch(path):
                del self._rejections[index]
                raise error

    def _build_routes(self) -> None:
        sf = r"(?P<{}>\d+)"
        app = sf.format("app_id")
        guild = sf.format("guild_id")
        cmd = sf.format("command_id")
        channel = sf.format("channel_id")
        message = sf.format("message_id")
        token = r"(?P<token>[^/]+)"
        wh_message = r"(?P<message_id>\d+|@original)"
        table: list[tuple[str, str, _Handler]] = [
            ("GET", "/users/@me", self._get_me),
            ("GET", "/oauth2/applications/@me", self._get_application),
            ("GET", "/applications/@me", self._get_application),
            ("GET", "/gateway", self._get_gateway),
            ("GET", "/gateway/bot", self._get_gateway_bot),
            ("GET", f"/applications/{app}/commands", self._list_commands),
            ("PUT", f"/applications/{app}/commands", self._put_commands),
            ("POST", f"/applications/{app}/commands", self._post_command),
            ("GET", f"/applications/{app}/commands/{cmd}", self._get_command),
            ("PATCH", f"/applications/{app}/commands/{cmd}", self._patch_command),
            ("DELETE", f"/applications/{app}/commands/{cmd}", self._delete_command),
            ("GET", f"/applications/{app}/guilds/{guild}/commands", self._list_commands),
            ("PUT", f"/applications/{app}/guilds/{guild}/commands", self._put_commands),
            ("POST", f"/applications/{app}/guilds/{guild}/commands", self._post_command),
            ("GET", f"/applications/{app}/guilds/{guild}/commands/{cmd}", self._get_command),
            ("PATCH", f"/applications/{app}/guilds/{guild}/commands/{cmd}", self._patch_command),
            ("DELETE", f"/applications/{app}/guilds/{guild}/commands/{cmd}", self._delete_command),
            (
                "POST",
                rf"/interactions/{sf.format('interaction_id')}/{token}/callback",
                self._callback,
            ),
            ("POST", f"/webhooks/{app}/{token}", self._webhook_execute),
            ("GET", f"/webhooks/{app}/{token}", self._webhook_get),
            ("PATCH", f"/webhooks/{app}/{token}", self._webhook_get),
            ("DELETE", f"/webhooks/{app}/{token}", self._webhook_delete),
            ("GET", f"/webhooks/{app}/{token}/messages/{wh_message}", self._webhook_message_get),
            ("PATCH", f"/webhooks/{app}/{token}/messages/{wh_message}", self._webhook_message_edit),
            (
                "DELETE",
                f"/webhooks/{app}/{token}/messages/{wh_message}",
                self._webhook_message_delete,
            ),
            ("GET", f"/channels/{channel}", self._get_channel),
            ("POST", f"/channels/{channel}/messages", self._create_message),
            ("GET", f"/channels/{channel}/messages/{message}", self._get_message),
            ("PATCH", f"/channels/{channel}/messages/{message}", self._edit_message),
            ("DELETE", f"/channels/{channel}/messages/{message}", self._delete_message),
            ("POST", f"/channels/{channel}/typing", self._typing),
            (
                "PUT",
                f"/channels/{channel}/messages/{message}/reactions/(?P<emoji>[^/]+)/@me",
                self._react,
            ),
            (
                "DELETE",
                f"/channels/{channel}/messages/{message}/reactions/(?P<emoji>[^/]+)/@me",
                self._react,
            ),
            ("POST", "/users/@me/channels", self._create_dm),
        ]
        self._routes = [(m, re.compile(p), h) for m, p, h in table]

    # ---------------------------------------------------------------- REST: login and gateway

    async def _get_me(self, call: _Call) -> web.StreamResponse:
        return _json_response({**self.bot_user, "verified": True, "mfa_enabled": False})

    async def _get_application(self, call: _Call) -> web.StreamResponse:
        return _json_response(self.application)

    async def _get_gateway(self, call: _Call) -> web.StreamResponse:
        return _json_response({"url": self.gateway_url})

    async def _get_gateway_bot(self, call: _Call) -> web.StreamResponse:
        return _json_response(
            {
                "url": self.gateway_url,
                "shards": self.shard_count,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 1000,
                    "reset_after": 0,
                    "max_concurrency": self.max_concurrency,
                },
            }
        )

    # ---------------------------------------------------------------- REST: application commands

    def _commands_for(self, call: _Call) -> tuple[list[Json], str | None]:
        if call.params["app_id"] != self.application_id:
            raise ApiError(403, 50001, "Missing Access")
        guild_id = call.params.get("guild_id")
        if guild_id is None:
            return self.commands, None
        self._guild(guild_id)
        return self.guild_commands.setdefault(guild_id, []), guild_id

    def _normalise_command(
        self, payload: Json, existing: Sequence[Json], guild_id: str | None
    ) -> Json:
        out = dict(payload)
        out.setdefault("type", 1)
        out.setdefault("description", "")
        _check_command_payload(out)
        previous = next(
            (c for c in existing if c["name"] == out["name"] and c["type"] == out["type"]), None
        )
        out["id"] = previous["id"] if previous else snowflake()
        out["application_id"] = self.application_id
        out["version"] = snowflake()
        out.setdefault("default_member_permissions", None)
        out.setdefault("nsfw", False)
        if guild_id is not None:
            out["guild_id"] = guild_id
        else:
            out.setdefault("dm_permission", True)
        return out

    async def _list_commands(self, call: _Call) -> web.StreamResponse:
        store, _ = self._commands_for(call)
        return _json_response(store)

    async def _put_commands(self, call: _Call) -> web.StreamResponse:
        store, guild_id = self._commands_for(call)
        if not isinstance(call.body, list):
            raise _form_error(_field_error("_root", "BASE_TYPE_ARRAY", "Must be an array."))
        keys = [(c.get("name"), c.get("type", 1)) for c in call.body]
        if len(keys) != len(set(keys)):
            raise _form_error(_field_error("_root", "APPLICATION_COMMANDS_DUPLICATE_NAME", "Dup."))
        if len(call.body) > 100:
            raise _form_error(_field_error("_root", "BASE_TYPE_MAX_LENGTH", "Max 100 commands."))
        synced = [self._normalise_command(c, store, guild_id) for c in call.body]
        store[:] = synced
        return _json_response(synced)

    async def _post_command(self, call: _Call) -> web.StreamResponse:
        store, guild_id = self._commands_for(call)
        command = self._normalise_command(call.json, store, guild_id)
        index = next((i for i, c in enumerate(store) if c["id"] == command["id"]), None)
        if index is None:
            store.append(command)
            return _json_response(command, status=201)
        store[index] = command
        return _json_response(command)

    def _command(self, call: _Call) -> tuple[list[Json], int]:
        store, _ = self._commands_for(call)
        for index, command in enumerate(store):
            if command["id"] == call.params["command_id"]:
                return store, index
        raise _unknown("application command", 10063)

    async def _get_command(self, call: _Call) -> web.StreamResponse:
        store, index = self._command(call)
        return _json_response(store[index])

    async def _patch_command(self, call: _Call) -> web.StreamResponse:
        store, index = self._command(call)
        updated = {**store[index], **call.json, "version": snowflake()}
        _check_command_payload(updated)
        store[index] = updated
        return _json_response(updated)

    async def _delete_command(self, call: _Call) -> web.StreamResponse:
        store, index = self._command(call)
        del store[index]
        return _no_content()

    # ---------------------------------------------------------------- REST: interactions

    async def _callback(self, call: _Call) -> web.StreamResponse:
        interaction_id, token = call.params["interaction_id"], call.params["token"]
        interaction = self.interactions.get(interaction_id)
        if interaction is None or interaction["token"] != token:
            raise ApiError(404, 10062, "Unknown interaction")
        if interaction_id in self.callbacks:
            raise ApiError(400, 40060, "Interaction has already been acknowledged.")
        age = time.monotonic() - self._interaction_times[interaction_id]
        if self.ack_deadline is not None and age > self.ack_deadline:
            raise ApiError(404, 10062, "Unknown interaction")
        body = call.json
        callback_type = body.get("type")
        data: Json = body.get("data") or {}
        if callback_type not in ALLOWED_CALLBACKS.get(interaction["type"], frozenset()):
            raise _form_error(
                _field_error("type", "INTERACTION_CALLBACK_TYPE_INVALID", "Invalid callback type")
            )
        channel_id = interaction.get("channel_id") or interaction["channel"]["id"]
        flags = int(data.get("flags") or 0)
        message: Json | None = None
        if callback_type == CALLBACK_CHANNEL_MESSAGE:
            _check_message_body(data, creating=True, has_files=bool(call.files))
            message = self._new_message(
                data,
                channel_id=channel_id,
                files=call.files,
                message_type=20 if interaction["type"] == APPLICATION_COMMAND else 0,
                interaction=interaction,
            )
        elif callback_type == CALLBACK_DEFERRED_CHANNEL_MESSAGE:
            message = self._new_message(
                {"content": "", "flags": flags | MESSAGE_FLAG_LOADING},
                channel_id=channel_id,
                files=(),
                message_type=20 if interaction["type"] == APPLICATION_COMMAND else 0,
                interaction=interaction,
            )
        elif callback_type in (CALLBACK_DEFERRED_UPDATE_MESSAGE, CALLBACK_UPDATE_MESSAGE):
            source = interaction.get("message")
            if source is None:
                raise _form_error(
                    _field_error(
                        "type", "INTERACTION_CALLBACK_TYPE_INVALID", "No message to update"
                    )
                )
            message = self.messages.setdefault(source["id"], source)
            if callback_type == CALLBACK_UPDATE_MESSAGE:
                _check_message_body(data, creating=False, has_files=bool(call.files))
                self._apply_edit(message, data, call.files)
        elif callback_type == CALLBACK_AUTOCOMPLETE_RESULT:
            _check_autocomplete_body(data)
        elif callback_type == CALLBACK_MODAL:
            _check_modal_body(data)
        self.callbacks[interaction_id] = body
        if message is not None:
            self._original_message[token] = message["id"]
        if call.request.query.get("with_response") not in ("1", "true", "True"):
            return _no_content()
        info: Json = {
            "id": interaction_id,
            "type": interaction["type"],
            "response_message_loading": callback_type == CALLBACK_DEFERRED_CHANNEL_MESSAGE,
            "response_message_ephemeral": bool(
                (message["flags"] if message else flags) & MESSAGE_FLAG_EPHEMERAL
            ),
        }
        if message is not None:
            info["response_message_id"] = message["id"]
        response: Json = {"interaction": info}
        if callback_type in (CALLBACK_CHANNEL_MESSAGE, CALLBACK_UPDATE_MESSAGE):
            response["resource"] = {"type": callback_type, "message": message}
        elif callback_type in (CALLBACK_DEFERRED_CHANNEL_MESSAGE, CALLBACK_DEFERRED_UPDATE_MESSAGE):
            response["resource"] = {"type": callback_type}
        return _json_response(response)

    def _interaction_for_token(self, call: _Call) -> Json:
        if call.params["app_id"] != self.application_id:
            raise _unknown("Webhook", 10015)
        interaction_id = self._token_to_interaction.get(call.params["token"])
        if interaction_id is None:
            raise _unknown("Webhook", 10015)
        return self.interactions[interaction_id]

    async def _webhook_execute(self, call: _Call) -> web.StreamResponse:
        interaction = self._interaction_for_token(call)
        data = call.json
        _check_message_body(data, creating=True, has_files=bool(call.files))
        original_id = self._original_message.get(interaction["token"])
        original = self.messages.get(original_id) if original_id else None
        if original is not None and original["flags"] & MESSAGE_FLAG_LOADING:
            # Discord: the first followup after a deferred response replaces the "thinking"
            # message (and keeps the defer's ephemeral flag).
            keep = original["flags"] & MESSAGE_FLAG_EPHEMERAL
            self._apply_edit(original, data, call.files)
            original["flags"] = (original["flags"] & ~MESSAGE_FLAG_LOADING) | keep
            message = original
        else:
            message = self._new_message(
                data,
                channel_id=interaction.get("channel_id") or interaction["channel"]["id"],
                files=call.files,
                message_type=0,
                interaction=interaction,
            )
        if call.request.query.get("wait") in ("1", "true", "True"):
            return _json_response(message)
        return _no_content()

    def _webhook_object(self, interaction: Json) -> Json:
        return {
            "id": self.application_id,
            "type": 3,
            "application_id": self.application_id,
            "name": self.bot_user["username"],
            "avatar": None,
            "channel_id": interaction.get("channel_id"),
            "guild_id": interaction.get("guild_id"),
            "token": interaction["token"],
        }

    async def _webhook_get(self, call: _Call) -> web.StreamResponse:
        return _json_response(self._webhook_object(self._interaction_for_token(call)))

    async def _webhook_delete(self, call: _Call) -> web.StreamResponse:
        self._interaction_for_token(call)
        return _no_content()

    def _webhook_message(self, call: _Call) -> Json:
        interaction = self._interaction_for_token(call)
        message_id: str | None = call.params["message_id"]
        if message_id == "@original":
            message_id = self._original_message.get(interaction["token"])
        message = self.messages.get(message_id) if message_id else None
        if message is None:
            raise _unknown("Message", 10008)
        return message

    async def _webhook_message_get(self, call: _Call) -> web.StreamResponse:
        return _json_response(self._webhook_message(call))

    async def _webhook_message_edit(self, call: _Call) -> web.StreamResponse:
        message = self._webhook_message(call)
        _check_message_body(call.json, creating=False, has_files=bool(call.files))
        self._apply_edit(message, call.json, call.files)
        message["flags"] &= ~MESSAGE_FLAG_LOADING
        return _json_response(message)

    async def _webhook_message_delete(self, call: _Call) -> web.StreamResponse:
        message = self._webhook_message(call)
        self.messages.pop(message["id"], None)
        return _no_content()

    # ---------------------------------------------------------------- REST: channels and messages

    def _channel(self, channel_id: str) -> tuple[Json, FakeGuild | None]:
        for guild in self.guilds:
            for channel in guild.channels:
                if channel["id"] == channel_id:
                    return channel, guild
        if channel_id in self.dm_channels:
            return self.dm_channels[channel_id], None
        raise _unknown("Channel", 10003)

    def _channel_message(self, call: _Call) -> Json:
        self._channel(call.params["channel_id"])
        message = self.messages.get(call.params["message_id"])
        if message is None or message["channel_id"] != call.params["channel_id"]:
            raise _unknown("Message", 10008)
        return message

    def _outgoing_mentions(
        self,
        content: str,
        allowed: Json | None,
        guild: FakeGuild | None,
        replied_author: Json | None,
    ) -> tuple[list[Json], list[str], bool]:
        user_ids = list(dict.fromkeys(_MENTION_USER.findall(content)))
        role_ids = list(dict.fromkeys(_MENTION_ROLE.findall(content)))
        everyone = bool(_MENTION_EVERYONE.search(content))
        replied = True
        if allowed is not None:
            parse = set(allowed.get("parse") or [])
            explicit_users = {str(u) for u in allowed.get("users") or []}
            explicit_roles = {str(r) for r in allowed.get("roles") or []}
            user_ids = [u for u in user_ids if "users" in parse or u in explicit_users]
            role_ids = [r for r in role_ids if "roles" in parse or r in explicit_roles]
            everyone = everyone and "everyone" in parse
            replied = bool(allowed.get("replied_user", False))
        users = self._known_users() if user_ids else {}  # (every member: only when needed)
        mentions = [users[u] for u in user_ids if u in users]
        if replied_author is not None and replied and replied_author["id"] not in user_ids:
            mentions.append(replied_author)
        if guild is None:
            return mentions, [], False
        known_roles = {r["id"] for r in guild.roles}
        return mentions, [r for r in role_ids if r in known_roles], everyone

    def _attachments(self, body: Json, files: tuple[UploadedFile, ...]) -> list[Json]:
        result: list[Json] = []
        declared = {str(a.get("id")): a for a in body.get("attachments") or []}
        for existing in body.get("attachments") or []:
            if "url" in existing:  # keeping an attachment that already exists
                result.append(existing)
        for index, upload in enumerate(files):
            meta = declared.get(str(index), {})
            attachment_id = snowflake()
            filename = meta.get("filename") or upload.filename
            url = f"http://127.0.0.1:{self.port}/attachments/{attachment_id}/{filename}"
            result.append(
                {
                    "id": attachment_id,
                    "filename": filename,
                    "description": meta.get("description"),
                    "content_type": upload.content_type,
                    "size": len(upload.data),
                    "url": url,
                    "proxy_url": url,
                    "flags": 0,
                }
            )
        return result

    def _new_message(
        self,
        body: Json,
        *,
        channel_id: str,
        files: tuple[UploadedFile, ...],
        message_type: int = 0,
        interaction: Json | None = None,
    ) -> Json:
        channel, guild = self._channel(channel_id)
        referenced: Json | None = None
        reference = body.get("message_reference")
        if reference is not None and reference.get("type", 0) == 0:
            referenced = self.messages.get(str(reference.get("message_id")))
            if referenced is None and reference.get("fail_if_not_exists", True):
                raise _form_error(
                    _field_error(
                        "message_reference",
                        "MESSAGE_REFERENCE_UNKNOWN_MESSAGE",
                        "Unknown message",
                    )
                )
            if referenced is not None:
                message_type = 19
        mentions, mention_roles, everyone = self._outgoing_mentions(
            body.get("content") or "",
            body.get("allowed_mentions"),
            guild,
            referenced["author"] if referenced else None,
        )
        bot_member = guild.member(self.bot_user["id"]) if guild else None
        message = message_payload(
            content=body.get("content") or "",
            channel_id=channel["id"],
            author=self.bot_user,
            guild_id=guild.id if guild else None,
            member=bot_member if interaction is None else None,
            mentions=mentions,
            mention_roles=mention_roles,
            mention_everyone=everyone,
            message_type=message_type,
            embeds=[{"type": "rich", **e} for e in body.get("embeds") or []],
            attachments=self._attachments(body, files),
            components=body.get("components") or [],
            referenced_message=referenced,
            flags=int(body.get("flags") or 0),
            webhook_id=self.application_id if interaction is not None else None,
            application_id=self.application_id if interaction is not None else None,
        )
        if body.get("tts"):
            message["tts"] = True
        if body.get("nonce") is not None:
            message["nonce"] = body["nonce"]
        if interaction is not None:
            user = (interaction.get("member") or {}).get("user") or interaction.get("user")
            metadata: Json = {
                "id": interaction["id"],
                "type": interaction["type"],
                "user": user,
                "authorizing_integration_owners": interaction.get(
                    "authorizing_integration_owners", {}
                ),
            }
            if interaction["type"] == APPLICATION_COMMAND:
                metadata["name"] = interaction["data"]["name"]
            original_id = self._original_message.get(interaction["token"])
            if original_id is not None:
                metadata["original_response_message_id"] = original_id
            if interaction.get("message"):
                metadata["interacted_message_id"] = interaction["message"]["id"]
            message["interaction_metadata"] = metadata
        self.messages[message["id"]] = message
        channel["last_message_id"] = message["id"]
        return message

    def _apply_edit(self, message: Json, body: Json, files: tuple[UploadedFile, ...]) -> None:
        if "content" in body:
            message["content"] = body["content"] or ""
        if "embeds" in body:
            message["embeds"] = [{"type": "rich", **e} for e in body["embeds"] or []]
        if "components" in body:
            message["components"] = body["components"] or []
        if "attachments" in body or files:
            message["attachments"] = self._attachments(body, files)
        if body.get("flags") is not None:
            message["flags"] = int(body["flags"]) | (message["flags"] & MESSAGE_FLAG_EPHEMERAL)
        if "content" in body or "allowed_mentions" in body:
            guild = self._guild(message["guild_id"]) if message.get("guild_id") else None
            mentions, roles, everyone = self._outgoing_mentions(
                message["content"], body.get("allowed_mentions"), guild, None
            )
            message.update(mentions=mentions, mention_roles=roles, mention_everyone=everyone)
        message["edited_timestamp"] = _now_iso()

    async def _get_channel(self, call: _Call) -> web.StreamResponse:
        channel, _ = self._channel(call.params["channel_id"])
        return _json_response(channel)

    async def _create_message(self, call: _Call) -> web.StreamResponse:
        self._channel(call.params["channel_id"])
        _check_message_body(call.json, creating=True, has_files=bool(call.files))
        message = self._new_message(
            call.json, channel_id=call.params["channel_id"], files=call.files
        )
        return _json_response(message)

    async def _get_message(self, call: _Call) -> web.StreamResponse:
        return _json_response(self._channel_message(call))

    async def _edit_message(self, call: _Call) -> web.StreamResponse:
        message = self._channel_message(call)
        if message["author"]["id"] != self.bot_user["id"] and set(call.json) - {"flags"}:
            raise ApiError(403, 50005, "Cannot edit a message authored by another user")
        _check_message_body(call.json, creating=False, has_files=bool(call.files))
        self._apply_edit(message, call.json, call.files)
        return _json_response(message)

    async def _delete_message(self, call: _Call) -> web.StreamResponse:
        message = self._channel_message(call)
        self.messages.pop(message["id"], None)
        return _no_content()

    async def _typing(self, call: _Call) -> web.StreamResponse:
        self._channel(call.params["channel_id"])
        return _no_content()

    async def _react(self, call: _Call) -> web.StreamResponse:
        message = self._channel_message(call)
        emoji = call.params["emoji"]
        name, _, emoji_id = emoji.partition(":")
        reactions: list[Json] = message.setdefault("reactions", [])
        existing = next((r for r in reactions if r["emoji"]["name"] == name), None)
        if call.request.method == "PUT":
            if existing is None:
                reactions.append(
                    {"count": 1, "me": True, "emoji": {"id": emoji_id or None, "name": name}}
                )
            elif not existing["me"]:
                existing.update(count=existing["count"] + 1, me=True)
        elif existing is not None and existing["me"]:
            existing.update(count=existing["count"] - 1, me=False)
            if existing["count"] <= 0:
                reactions.remove(existing)
        return _no_content()

    async def _create_dm(self, call: _Call) -> web.StreamResponse:
        recipient = str(call.json.get("recipient_id"))
        user = self._known_users().get(recipient)
        if user is None:
            raise _unknown("User", 10013)
        return _json_response(self._dm_channel_for(user))


# --------------------------------------------------------------------------------------------
# Module-level helpers used by the class above
# --------------------------------------------------------------------------------------------

_COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")


def _event_guild_id(event_name: str, data: Json) -> str | None:
    """The guild an event belongs to (routes it to a shard), or None outside guilds."""
    if event_name in ("GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE"):
        return str(data["id"])
    guild_id = data.get("guild_id")
    return None if guild_id is None else str(guild_id)


def _identify_shard(value: Any) -> tuple[int, int] | None:
    """IDENTIFY's ``shard`` as ``(shard_id, num_shards)``: ``(0, 1)`` when absent, None when
    Discord would refuse it (4010 Invalid shard)."""
    if value is None:
        return (0, 1)
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(part, int) and not isinstance(part, bool) for part in value)
    ):
        return None
    shard_id, count = value
    return (shard_id, count) if 0 <= shard_id < count else None


def _check_command_payload(command: Json) -> None:
    """Raise ApiError for command definitions Discord rejects (a subset of its checks)."""
    name = command.get("name") or ""
    chat_input = command.get("type", 1) == 1
    if chat_input and (not _COMMAND_NAME.match(name) or name != name.lower()):
        raise _form_error(_field_error("name", "APPLICATION_COMMAND_INVALID_NAME", "Bad name."))
    if not chat_input and not 1 <= len(name) <= 32:
        raise _form_error(_field_error("name", "BASE_TYPE_BAD_LENGTH", "Bad name length."))
    description = command.get("description") or ""
    if chat_input and not 1 <= len(description) <= 100:
        raise _form_error(
            _field_error("description", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100.")
        )
    _check_option_definitions(command.get("options") or [], "options")


def _check_option_definitions(options: Sequence[Json], path: str) -> None:
    if len(options) > 25:
        raise _form_error(_field_error(path, "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer."))
    seen_optional = False
    for index, opt in enumerate(options):
        where = f"{path}.{index}"
        if not _COMMAND_NAME.match(opt.get("name") or "") or opt["name"] != opt["name"].lower():
            raise _form_error(
                _field_error(f"{where}.name", "APPLICATION_COMMAND_INVALID_NAME", "Bad name.")
            )
        if not 1 <= len(opt.get("description") or "") <= 100:
            raise _form_error(
                _field_error(f"{where}.description", "BASE_TYPE_BAD_LENGTH", "Bad length.")
            )
        if len(opt.get("choices") or []) > 25:
            raise _form_error(
                _field_error(f"{where}.choices", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer.")
            )
        if opt.get("type") in (1, 2):
            _check_option_definitions(opt.get("options") or [], f"{where}.options")
            continue
        if opt.get("required"):
            if seen_optional:
                raise _form_error(
                    _field_error(
                        where,
                        "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                        "Required options must be placed before non-required options",
                    )
                )
        else:
            seen_optional = True


def _find_component(components: Sequence[Json], custom_id: str) -> Json | None:
    for component in components:
        if component.get("custom_id") == custom_id:
            return component
        for key in ("components",):
            found = _find_component(component.get(key) or [], custom_id)
            if found is not None:
                return found
        for key in ("component", "accessory"):
            child = component.get(key)
            if isinstance(child, dict):
                found = _find_component([child], custom_id)
                if found is not None:
                    return found
    return None


# --------------------------------------------------------------------------------------------
# Running a bot against the fake
# --------------------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def running_bot(
    bot: ClientT,
    fake: FakeDiscord,
    token: str = "fake-token",
    *,
    timeout: float = 5.0,  # noqa: ASYNC109
) -> AsyncIterator[ClientT]:
    """Log ``bot`` in against ``fake``, connect, wait for ready, yield, then close.

    ``fake`` must be started. The bot should be built with ``guild_ready_timeout=0.01``.
    If ``connect()`` fails before ready (e.g. PrivilegedIntentsRequired), that error is raised.
    """
    fake.install()
    task: asyncio.Task[None] | None = None
    try:
        await asyncio.wait_for(bot.login(token), timeout)
        task = asyncio.create_task(bot.connect(reconnect=False), name="fake-discord-connect")
        ready = asyncio.create_task(bot.wait_until_ready())
        done, _ = await asyncio.wait(
            {ready, task}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if ready not in done:
            ready.cancel()
            if task in done:
                task.result()  # raises the connect error
                raise RuntimeError("bot.connect() returned before the bot was ready")
            raise TimeoutError(f"bot not ready within {timeout}s")
        yield bot
    finally:
        try:
            await asyncio.wait_for(bot.close(), timeout)
            if task is not None:
                try:
                    await asyncio.wait_for(task, timeout)
                except discord.ConnectionClosed as exc:  # the fake went away first
                    if exc.code not in (1000, 1001):
                        raise
        finally:
            fake.uninstall()
