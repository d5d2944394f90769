"""A real SMTP server on 127.0.0.1 (aiosmtpd) that can refuse for a while, then accept."""

from __future__ import annotations

import socket
import threading
from email import message_from_bytes

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpSink:
    """Accepts `accept_first` messages, then answers 421 ("try later") to the next `refuse`
    deliveries (all of them while `refusing` is None), then accepts again.

    `received` lists the recipients of the messages it accepted (answered 250), in order.
    """

    def __init__(self, *, accept_first: int = 0, refuse: int | None = 0) -> None:
        self.accept_first, self.refusals_left = accept_first, refuse
        self.received: list[str] = []
        self.refused = 0
        self.lock = threading.Lock()
        self.port = free_port()
        self.controller: Controller | None = None

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook
        with self.lock:
            if len(self.received) >= self.accept_first and self._refusing():
                self.refused += 1
                return "421 4.3.2 Service not available, try again later"
            self.received.extend(envelope.rcpt_tos)
            self.subjects = getattr(self, "subjects", [])
            self.subjects.append(message_from_bytes(envelope.content)["Subject"])
        return "250 2.0.0 OK"

    def _refusing(self) -> bool:
        if self.refusals_left is None:
            return True
        if self.refusals_left > 0:
            self.refusals_left -= 1
            return True
        return False

    def accept_from_now(self) -> None:
        with self.lock:
            self.refusals_left = 0

    def start(self) -> SmtpSink:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None
