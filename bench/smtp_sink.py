#!/usr/bin/env python3
"""An SMTP server on loopback that takes every letter and keeps none: the receiving end of
bench/messages.sh when the bench measures Kabinet's sending, not the receiver.

aiosmtpd's Sink (the other choice, SINK=aiosmtpd) spends most of a core per ~190 letters a
second in its per-command machinery; this one answers each command at once from an asyncio
Protocol, which is what a mail relay with its own CPU does from Kabinet's side. It speaks the
part of RFC 5321 a client sending letters uses: EHLO/HELO, MAIL, RCPT, DATA (the body up to
the lone dot), RSET, NOOP, QUIT; anything else gets 502.

    python3 bench/smtp_sink.py 127.0.0.1 18025
"""
import asyncio
import os
import socket
import sys

# QUICKACK=1: acknowledge every segment at once (Linux), for the diagnosis in docs/benchmarks.md: a
# client that writes a letter's body and its final dot separately waits for the delayed ACK.
QUICKACK = os.environ.get("QUICKACK") == "1" and hasattr(socket, "TCP_QUICKACK")


class Sink(asyncio.Protocol):
    def connection_made(self, transport):
        self.t = transport
        self.buf = b""
        self.in_data = False
        transport.write(b"220 sink ESMTP\r\n")

    def data_received(self, data):
        if QUICKACK:
            # Linux turns quick ACKs off again by itself: set it after every read
            self.t.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
        self.buf += data
        while True:
            if self.in_data:
                # the body ends with a line holding one dot; an empty body is just ".\r\n"
                if self.buf.startswith(b".\r\n"):
                    end, skip = 0, 3
                else:
                    end = self.buf.find(b"\r\n.\r\n")
                    if end < 0:
                        return
                    skip = 5
                self.buf = self.buf[end + skip:]
                self.in_data = False
                self.t.write(b"250 2.0.0 OK taken\r\n")
                continue
            nl = self.buf.find(b"\r\n")
            if nl < 0:
                return
            line, self.buf = self.buf[:nl], self.buf[nl + 2:]
            verb = line[:4].upper()
            if verb == b"EHLO":
                self.t.write(b"250-sink\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 104857600\r\n")
            elif verb in (b"HELO", b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                self.t.write(b"250 2.0.0 OK\r\n")
            elif verb == b"DATA":
                self.in_data = True
                self.t.write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
            elif verb == b"QUIT":
                self.t.write(b"221 2.0.0 Bye\r\n")
                self.t.close()
                return
            else:
                self.t.write(b"502 5.5.2 Command not recognized\r\n")


async def main(host, port):
    server = await asyncio.get_running_loop().create_server(Sink, host, port)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
