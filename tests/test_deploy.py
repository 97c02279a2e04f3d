"""The systemd template in ``deploy/``: one instance per shard range, reading the shared
environment file, and able to write what the bot writes under its sandbox."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from bot.settings import SettingsError, load_settings

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
UNIT = DEPLOY / "fanq@.service"
ENV_FILE = DEPLOY / "fanq.env.example"


def unit_settings(section: str) -> dict[str, list[str]]:
    """Every ``Key=value`` of one section of the unit, values in order (keys may repeat)."""
    values: dict[str, list[str]] = {}
    current = None
    for raw in UNIT.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = line.strip("[]")
            continue
        if current == section:
            key, _, value = line.partition("=")
            values.setdefault(key.strip(), []).append(value.strip())
    return values


def unit_environment(instance: str) -> dict[str, str]:
    """The environment the unit gives instance ``instance``: its ``Environment=`` lines, then
    the environment file (which systemd lets win)."""
    service = unit_settings("Service")
    env: dict[str, str] = {}
    for line in service.get("Environment", []):
        key, _, value = line.partition("=")
        env[key] = value.replace("%i", instance)
    for raw in ENV_FILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            env[key.strip()] = value.strip()
    return env


def test_each_instance_runs_the_bot_for_its_shard_range() -> None:
    service = unit_settings("Service")
    assert service["ExecStart"] == ["/opt/fanq/.venv/bin/python -m bot run --require-token"]
    assert service["EnvironmentFile"] == ["/etc/fanq/fanq.env"]
    assert "SHARD_IDS=%i" in service["Environment"]
    env_keys = {line.partition("=")[0] for line in ENV_FILE.read_text().splitlines()}
    assert "SHARD_IDS" not in env_keys  # it would override the instance name


def test_what_the_bot_writes_is_writable_in_the_sandbox() -> None:
    """ProtectSystem=strict makes everything read-only but the unit's writable folders: the
    trained models and embeddings (CACHE_DIR, rewritten when the knowledge changes) and the
    data folder (the generated salt, an SQLite file) must be in one of them."""
    service = unit_settings("Service")
    assert service["ProtectSystem"] == ["strict"]
    workdir = PurePosixPath(service["WorkingDirectory"][0])
    writable = [PurePosixPath("/var/lib") / name for name in service.get("StateDirectory", [])]
    writable += [
        PurePosixPath(p) for line in service.get("ReadWritePaths", []) for p in line.split()
    ]
    read_only = [
        PurePosixPath(p) for line in service.get("ReadOnlyPaths", []) for p in line.split()
    ]
    env = unit_environment("0-1")

    def where(setting: str, default: str) -> PurePosixPath:
        return workdir / env.get(setting, default)  # an absolute value replaces workdir

    for path in (where("CACHE_DIR", "data/cache"), where("DATABASE_PATH", "data/x").parent):
        assert any(path.is_relative_to(w) for w in writable), (path, writable)
        assert not any(path.is_relative_to(r) for r in read_only), (path, read_only)


@pytest.mark.parametrize(("instance", "shards"), [("0-1", [0, 1]), ("2-3", [2, 3])])
def test_the_environment_file_configures_each_instance(
    instance: str, shards: list[int], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    env = unit_environment(instance)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(SettingsError, match="USER_HASH_SALT: is empty"):
        load_settings()  # the host must set the shared salt
    monkeypatch.setenv("USER_HASH_SALT", "a-long-random-secret-shared-by-every-host")
    settings = load_settings()
    assert settings.shards == (4, shards)
    assert str(settings.database_target).startswith("postgresql://")
    assert settings.cache_dir == Path("/var/lib/fanq/cache")
