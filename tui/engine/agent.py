"""Natural-language commands -> actions (rules; an LLM when configured). Being built.

Contract used by the local provider:

    async def run_command(target: CommandTarget, request: StepRequest) -> StepResult

`target` has `async observe(screenshot: bool = True) -> Observation` and
`async step(request: StepRequest) -> StepResult` (by id / browser action).
"""

from __future__ import annotations

from typing import Protocol

from tui.model import Observation, StepRequest, StepResult, StepStatus


class CommandTarget(Protocol):
    async def observe(self, screenshot: bool = True) -> Observation: ...

    async def step(self, request: StepRequest) -> StepResult: ...


async def run_command(target: CommandTarget, request: StepRequest) -> StepResult:
    return StepResult(
        status=StepStatus.ERROR,
        success=False,
        request=request,
        message="The embedded engine cannot run natural-language commands yet: "
        "type an action such as B3, I1 hello or goto example.com",
    )
