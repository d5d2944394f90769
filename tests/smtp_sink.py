"""A real SMTP server on 127.0.0.1 (aiosmtpd) that can refuse for a while, then accept."""

from __future__ import annotations

import asyncio
import socket
import threading

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _connected(server) -> bool:
    return server.transport is not None and not server.transport.is_closing()


class SmtpSink:
    """Accepts `accept_first` messages, then answers 421 ("try later") to the next `refuse`
    deliveries (all of them while `refusing` is None), then accepts again.

    `received` lists the recipients of the messages it accepted (answered 250), in order;
    `senders` their envelope senders.
    """

    def __init__(self, *, accept_first: int = 0, refuse: int | None = 0,
                 hold_at: int | None = None) -> None:
        self.accept_first, self.refusals_left = accept_first, refuse
        self.received: list[str] = []
        self.senders: list[str] = []  # the envelope sender (MAIL FROM) of each, in order
        self.refused = 0
        self.lock = threading.Lock()
        self.port = free_port()
        self.controller: Controller | None = None
        # With hold_at=n the n-th message (from 0) gets no answer until release(): its sender
        # is in the middle of a batch. A message whose sender went away is not received.
        self.hold_at, self.holding, self.released = hold_at, threading.Event(), False

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook
        if self.hold_at is not None and len(self.received) == self.hold_at:
            self.hold_at = None
            self.holding.set()
            while not self.released and _connected(server):
                await asyncio.sleep(0.05)  # cancelled when the sender's connection drops
            if not _connected(server):
                return "451 4.4.2 Sender went away"
        with self.lock:
            if len(self.received) >= self.accept_first and self._refusing():
                self.refused += 1
                return "421 4.3.2 Service not available, try again later"
            self.received.extend(envelope.rcpt_tos)
            self.senders.append(envelope.mail_from)
        return "250 2.0.0 OK"

    def release(self) -> None:
        self.released = True

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
