"""A learner's browser, as far as a kernel goes: the notebook's cells and the kernel websocket.

``code_cells`` reads the code cells of a notebook's JSON, as the contents API returns it,
so blank (learner edition) and executed notebooks run alike. :class:`Kernel` speaks the
Jupyter messaging protocol over Jupyter Server's ``/api/kernels/<id>/channels`` websocket
(JSON frames, no subprotocol), with tornado's websocket client, which ships with Jupyter.
Used by ``loadtest.py``.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

from tornado.httpclient import HTTPClientError, HTTPRequest
from tornado.websocket import websocket_connect


class LearnerFailed(Exception):
    pass


def code_cells(notebook: dict[str, Any]) -> list[tuple[str, bool]]:
    """(source, error expected) for each code cell of a notebook's JSON, in order.

    An error is expected where the lesson says so: a ``raises-exception`` tag or an
    ``NBVAL_RAISES_EXCEPTION`` comment. Outputs in the JSON are ignored, so blank and
    executed editions run alike.
    """
    cells = []
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        tags = cell.get("metadata", {}).get("tags", [])
        expected = "raises-exception" in tags or "NBVAL_RAISES_EXCEPTION" in source
        if source.strip():
            cells.append((source, expected))
    return cells


class Kernel:
    """One kernel reached through the proxy: its websocket and the Jupyter message protocol.

    A dropped websocket is reopened with the same session id, as JupyterLab does; Jupyter
    Server buffers the kernel's messages for that session meanwhile. ``reconnects`` counts
    how often that was needed.
    """

    MAX_RECONNECTS = 3

    def __init__(self, url: str, headers: dict[str, str], session: str, username: str) -> None:
        self.url, self.headers = f"{url}?session_id={session}", headers
        self.session, self.username = session, username
        self.ws: Any = None
        self.reconnects = 0

    async def connect(self) -> Kernel:
        request = HTTPRequest(
            self.url, headers=self.headers, connect_timeout=120, request_timeout=120
        )
        self.ws = await websocket_connect(request, max_message_size=64 * 1024 * 1024)
        return self

    async def _reconnect(self) -> None:
        code, reason = self.ws.close_code, self.ws.close_reason
        if self.reconnects >= self.MAX_RECONNECTS:
            raise LearnerFailed(f"the kernel websocket closed ({code} {reason}) too often")
        self.reconnects += 1
        # JupyterLab retries with growing pauses; a busy proxy or server may refuse once.
        for attempt, pause in enumerate((1, 2, 4)):
            await asyncio.sleep(pause)
            try:
                await self.connect()
                return
            except (HTTPClientError, OSError) as exc:
                if attempt == 2:
                    raise LearnerFailed(
                        f"the kernel websocket closed ({code} {reason}); reopening it: {exc}"
                    ) from exc

    def close(self) -> None:
        if self.ws is not None:
            self.ws.close()

    def _message(self, msg_type: str, content: dict[str, Any], channel: str) -> tuple[str, str]:
        msg_id = uuid.uuid4().hex
        header = {
            "msg_id": msg_id,
            "msg_type": msg_type,
            "username": self.username,
            "session": self.session,
            "version": "5.3",
            "date": time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime()),
        }
        body = {
            "header": header,
            "parent_header": {},
            "metadata": {},
            "content": content,
            "channel": channel,
            "buffers": [],
        }
        return msg_id, json.dumps(body)

    async def _until(self, msg_id: str, want_reply: str, timeout_s: float) -> dict[str, Any]:
        """Read messages until ``want_reply`` and the idle status for ``msg_id`` both came."""
        reply: dict[str, Any] | None = None
        idle = False
        error: dict[str, Any] | None = None
        deadline = time.monotonic() + timeout_s
        while reply is None or not idle:
            left = deadline - time.monotonic()
            if left <= 0:
                raise LearnerFailed(f"no {want_reply} within {timeout_s:.0f} s")
            raw = await asyncio.wait_for(self.ws.read_message(), left)
            if raw is None:
                await self._reconnect()
                continue
            if isinstance(raw, bytes):
                continue
            msg = json.loads(raw)
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = msg.get("msg_type") or msg["header"]["msg_type"]
            if kind == want_reply:
                reply = msg["content"]
            elif kind == "status" and msg["content"].get("execution_state") == "idle":
                idle = True
            elif kind == "error":
                error = msg["content"]
        if error and reply.get("status") == "ok":
            reply = {**reply, "status": "error", **error}
        return reply

    async def ready(self, timeout_s: float) -> None:
        msg_id, raw = self._message("kernel_info_request", {}, "shell")
        await self.ws.write_message(raw)
        await self._until(msg_id, "kernel_info_reply", timeout_s)

    async def execute(self, code: str, timeout_s: float) -> dict[str, Any]:
        content = {
            "code": code,
            "silent": False,
            "store_history": True,
            "user_expressions": {},
            "allow_stdin": False,
            "stop_on_error": True,
        }
        msg_id, raw = self._message("execute_request", content, "shell")
        await self.ws.write_message(raw)
        return await self._until(msg_id, "execute_reply", timeout_s)
