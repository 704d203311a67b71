"""A file input: a person's path chooses the file; nobody else's does without --allow-file.

It failed with Playwright's "Input of type "file" cannot be filled"; a page can ask for
any file the machine holds, so an agent's step (or the engine's model loop) never sends one.
"""

from __future__ import annotations

import pytest

from tests.engine.conftest import find, open_page
from tui.engine.agent.model_loop import _to_request
from tui.engine.uploads import chosen_file
from tui.errors import InvalidRequest
from tui.model import StepRequest

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_a_person_chooses_a_file_by_its_path(provider, pages_server, tmp_path):
    photo = tmp_path / "me.png"
    photo.write_bytes(b"\x89PNG fake")
    sid, obs = await open_page(provider, f"{pages_server}/upload.html")
    avatar = find(obs, "Avatar")
    assert avatar.field == "file input"
    result = await provider.step(sid, StepRequest(id=avatar.id, value=str(photo)))
    assert result.success and result.message.startswith(f"chose me.png in {avatar.id}")
    assert "chose me.png (9 bytes)" in result.observation.markdown
    assert result.observation.action(avatar.id).value == "me.png"  # as a person sees it


@pytest.mark.parametrize(
    ("value", "said"),
    [("{tmp}/none.png", "no file at"), ("{tmp}", "a folder at"), ("  ", "no file")],
)
async def test_a_path_that_is_no_file_is_refused(provider, pages_server, tmp_path, value, said):
    sid, obs = await open_page(provider, f"{pages_server}/upload.html")
    with pytest.raises(InvalidRequest) as err:
        await provider.step(
            sid, StepRequest(id=find(obs, "Avatar").id, value=value.format(tmp=tmp_path))
        )
    assert said in err.value.message and "path of a file" in err.value.hint
    after = await provider.observe(sid, screenshot=False)
    assert "no file chosen" in after.markdown  # nothing lost, nothing half-done


async def test_an_agent_may_not_upload_a_file_from_this_machine(provider, pages_server, tmp_path):
    secret = tmp_path / "id_rsa"
    secret.write_text("PRIVATE")
    sid, obs = await open_page(provider, f"{pages_server}/upload.html")
    avatar = find(obs, "Avatar")
    with pytest.raises(InvalidRequest) as err:
        await provider.step(sid, StepRequest(id=avatar.id, value=str(secret), source="api"))
    assert "may not upload" in err.value.message and "--allow-file" in err.value.hint
    assert "no file chosen" in (await provider.observe(sid, screenshot=False)).markdown
    # Nor the engine's model loop, whatever the page asks of it.
    with pytest.raises(ValueError, match="only a person uploads"):
        _to_request({"action": "fill", "id": avatar.id, "value": str(secret)}, obs)


async def test_files_allowed_let_any_client_upload(tmp_path):
    # `stepdeck --allow-file` (or allow_schemes = ["file"]): an agent's path is taken too.
    photo = tmp_path / "me.png"
    photo.write_bytes(b"x")
    request = StepRequest(id="I1", value=str(photo), source="api")
    assert chosen_file(request, ("file",)) == photo.resolve()
    with pytest.raises(InvalidRequest):
        chosen_file(request, ())
