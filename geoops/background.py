"""Background tasks beside the API: a running coroutine and the coroutine that stops it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

Stop = Callable[[], Awaitable[None]]


def run_in_background(work: Coroutine[Any, Any, None], name: str) -> Stop:
    """Start ``work`` as a task; the returned coroutine cancels it and waits for it to end."""
    task = asyncio.create_task(work, name=name)

    async def stop() -> None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return stop
