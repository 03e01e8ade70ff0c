"""Server-sent events: tell each browser which of its namespaces changed, as the informers see it.

Informer threads call `Feed.changed`; each open stream has a bounded queue on the event loop. A stream
coalesces a burst of changes, keeps only namespaces its user may list rollouts in, and sends one `change`
event; the page then fetches again from the server's caches. A comment line every few seconds keeps
proxies from closing an idle stream.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable

from starlette.concurrency import run_in_threadpool

COALESCE_SECONDS = 0.25
HEARTBEAT_SECONDS = 15.0
QUEUE_LIMIT = 1000


class Feed:
    """Fans namespace changes out from informer threads to every open stream."""

    def __init__(self) -> None:
        self._queues: set[asyncio.Queue[str]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def changed(self, namespace: str) -> None:
        """Called on an informer thread."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._offer, namespace)

    def _offer(self, namespace: str) -> None:
        for queue in list(self._queues):
            if queue.qsize() < QUEUE_LIMIT:
                queue.put_nowait(namespace)

    async def stream(
        self, visible: Callable[[str], bool], *, heartbeat: float = HEARTBEAT_SECONDS
    ) -> AsyncIterator[str]:
        """`change` events with the namespaces `visible` allows, as SSE text."""
        queue: asyncio.Queue[str] = asyncio.Queue()
        self._queues.add(queue)
        try:
            yield "retry: 2000\nevent: ready\ndata: {}\n\n"
            while True:
                try:
                    first = await asyncio.wait_for(queue.get(), heartbeat)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                await asyncio.sleep(COALESCE_SECONDS)
                namespaces = {first}
                while not queue.empty():
                    namespaces.add(queue.get_nowait())
                shown = await run_in_threadpool(_visible, namespaces, visible)
                if shown:
                    yield f"event: change\ndata: {json.dumps({'namespaces': shown})}\n\n"
        finally:
            self._queues.discard(queue)


def _visible(namespaces: set[str], visible: Callable[[str], bool]) -> list[str]:
    return sorted(namespace for namespace in namespaces if namespace and visible(namespace))
