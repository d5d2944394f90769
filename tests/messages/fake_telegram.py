"""A local fake of the Telegram Bot API (no network): records what the bot sent, serves the
updates a test gives it, and can refuse a chat (the person blocked the bot)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

TOKEN = "123456:TEST-TOKEN"  # noqa: S105 - a fake bot


class FakeBotApi:
    def __init__(self) -> None:
        self.sent: list[dict] = []
        self.updates: list[dict] = []
        self.blocked: set[int] = set()
        self.down = False
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):  # noqa: N802 - http.server's hook
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                if "json" in (self.headers.get("Content-Type") or ""):
                    params = json.loads(raw or "{}")
                else:
                    params = {k: v[0] for k, v in parse_qs(raw).items()}
                method = self.path.rsplit("/", 1)[-1]
                status, body = fake.answer(method, params)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST  # noqa: N815

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/bot"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> FakeBotApi:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def user_sends(self, chat_id: int, text: str) -> None:
        with self.lock:
            update_id = len(self.updates) + 1
            self.updates.append({"update_id": update_id, "message": {
                "message_id": update_id, "date": int(time.time()), "text": text,
                "chat": {"id": chat_id, "type": "private"},
                "from": {"id": chat_id, "is_bot": False, "first_name": "Alumnus"}}})

    def answer(self, method: str, params: dict) -> tuple[int, dict]:
        if self.down:
            return 502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}
        if method == "getMe":
            return 200, {"ok": True, "result": {"id": 1, "is_bot": True,
                                                "first_name": "Alumni", "username": "alumni_bot"}}
        if method == "getUpdates":
            offset = int(params.get("offset") or 0)
            with self.lock:
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
                return 200, {"ok": True, "result": list(self.updates)}
        if method == "sendMessage":
            chat_id = int(params["chat_id"])
            if chat_id in self.blocked:
                return 403, {"ok": False, "error_code": 403,
                             "description": "Forbidden: bot was blocked by the user"}
            with self.lock:
                self.sent.append({"chat_id": chat_id, "text": params["text"]})
                number = len(self.sent)
            return 200, {"ok": True, "result": {
                "message_id": number, "date": int(time.time()), "text": params["text"],
                "chat": {"id": chat_id, "type": "private"}}}
        return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
