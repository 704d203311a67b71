"""The config file's model settings reach the agent (they were once loaded and ignored)."""

from __future__ import annotations

import pytest

from tui.model import CreateSession, StepRequest, StepStatus
from tui.providers.local import LocalProvider
from tui.settings import load_settings


@pytest.fixture
def config_file(stepdeck_home):
    path = stepdeck_home / "config" / "config.toml"
    path.parent.mkdir(parents=True)
    return path


async def test_the_config_files_model_drives_commands(config_file, scripted_model, demo_server):
    config_file.write_text(
        f'llm_url = "{scripted_model.base}"\nllm_model = "from-the-file"\nllm_max_steps = 1\n'
    )
    local = LocalProvider.from_settings(load_settings())  # what the app and serve build
    scripted_model.script = ['{"action": "scroll_down"}', '{"action": "scroll_down"}']
    async with local:
        session = await local.create_session(CreateSession(url=f"{demo_server}/shop"))
        result = await local.step(session.id, StepRequest(type="command", cmd="read on"))
    assert [r["model"] for r in scripted_model.received] == ["from-the-file"]
    assert result.status == StepStatus.CONTINUE and "after 1 step" in result.message


async def test_without_a_model_commands_use_the_rules(config_file, demo_server):
    config_file.write_text('images = "none"\n')
    local = LocalProvider.from_settings(load_settings())
    assert local.llm is None
    async with local:
        session = await local.create_session(CreateSession(url=f"{demo_server}/shop"))
        result = await local.step(session.id, StepRequest(type="command", cmd="scroll down"))
    assert result.success
