#!/usr/bin/env python3
"""Load generators for bench/memory.sh, standard library only (asyncio streams, no client
libraries): many concurrent requests from one process, each on its own connection.

    load.py logins BASE N            N concurrent failed logins (random e-mails) at once
    load.py downloads BASE PATH N    N concurrent downloads of PATH, bodies read and dropped
    load.py latency BASE LOGIN PASSWORD SECONDS [STOPFILE]
                                     successful logins one after another for SECONDS, or until
                                     STOPFILE exists; prints the slowest and the 99th percentile
    load.py csv FROM N               a register CSV of N valid members (INNs from FROM) to stdout
    load.py import BASE LOGIN PASSWORD FILE
                                     an administrator imports FILE through «Импорт из файла»

Each command prints one line `RESULT key=value ...` for the shell script to parse.
"""

import asyncio
import random
import re
import sys
import time
import urllib.parse


def split(base):
    u = urllib.parse.urlsplit(base)
    return u.hostname, u.port or 80


async def request(base, method, path, headers=None, body=b"", read_body=True):
    host, port = split(base)
    reader, writer = await asyncio.open_connection(host, port)
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: close"]
    for k, v in (headers or {}).items():
        lines.append(f"{k}: {v}")
    if body:
        lines.append(f"Content-Length: {len(body)}")
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    size = 0
    if read_body:
        while True:
            chunk = await reader.read(65536)
            if not chunk:
                break
            size += len(chunk)
    writer.close()
    return status, head.decode("latin-1"), size


async def login_form(base):
    """The pre-session cookie and the CSRF token of the login page."""
    host, port = split(base)
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(f"GET /login HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n".encode())
    data = b""
    while True:
        chunk = await reader.read(65536)
        if not chunk:
            break
        data += chunk
    writer.close()
    text = data.decode("utf-8", "replace")
    cookies = re.findall(r"(?im)^set-cookie:\s*([^=;\s]+=[^;\r\n]*)", text)
    token = re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)
    return "; ".join(cookies), token


def form(fields):
    return urllib.parse.urlencode(fields).encode()


async def logins(base, n):
    cookie, token = await login_form(base)
    headers = {
        "Cookie": cookie,
        "Origin": base,
        "Content-Type": "application/x-www-form-urlencoded",
    }

    async def one(i):
        body = form({
            "login": f"bench{random.getrandbits(48)}@load.example",
            "password": "Wrong-Password-1",
            "csrf_token": token,
        })
        try:
            status, _, _ = await request(base, "POST", "/login", headers, body)
            return status
        except OSError:
            return 0

    started = time.monotonic()
    statuses = await asyncio.gather(*(one(i) for i in range(n)))
    counts = {}
    for s in statuses:
        counts[s] = counts.get(s, 0) + 1
    summary = " ".join(f"s{k}={v}" for k, v in sorted(counts.items()))
    print(f"RESULT seconds={time.monotonic() - started:.1f} {summary}")


async def downloads(base, path, n):
    started = time.monotonic()
    results = await asyncio.gather(*(request(base, "GET", path) for _ in range(n)))
    ok = sum(1 for s, _, _ in results if s == 200)
    size = max(sz for _, _, sz in results)
    print(f"RESULT seconds={time.monotonic() - started:.1f} ok={ok} bytes={size}")


async def latency(base, login, password, seconds, stop=None):
    import os
    times = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not (stop and os.path.exists(stop)):
        cookie, token = await login_form(base)
        body = form({"login": login, "password": password, "csrf_token": token})
        headers = {
            "Cookie": cookie,
            "Origin": base,
            "Content-Type": "application/x-www-form-urlencoded",
        }
        t = time.monotonic()
        status, _, _ = await request(base, "POST", "/login", headers, body)
        times.append((time.monotonic() - t) * 1000)
        if status != 303:
            print(f"RESULT error=login_status_{status}")
            return
    times.sort()
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    print(f"RESULT logins={len(times)} max_ms={times[-1]:.0f} p99_ms={p99:.0f}")


async def session_of(base, login, password):
    """The cookies of a logged-in session."""
    cookie, token = await login_form(base)
    body = form({"login": login, "password": password, "csrf_token": token})
    headers = {"Cookie": cookie, "Origin": base, "Content-Type": "application/x-www-form-urlencoded"}
    status, head, _ = await request(base, "POST", "/login", headers, body)
    if status != 303:
        sys.exit(f"login as {login}: HTTP {status}")
    return "; ".join(re.findall(r"(?im)^set-cookie:\s*([^=;\s]+=[^;\r\n]*)", head))


async def import_file(base, login, password, path):
    cookie = await session_of(base, login, password)
    host, port = split(base)
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(f"GET /office/register/import HTTP/1.1\r\nHost: {host}:{port}\r\n"
                 f"Cookie: {cookie}\r\nConnection: close\r\n\r\n".encode())
    page = (await reader.read(-1)).decode("utf-8", "replace")
    writer.close()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    token = token.group(1) if token else re.search(r"csrf_token=([A-Za-z0-9_-]+)", page).group(1)
    boundary = "----kabinetbench"
    data = open(path, "rb").read()
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"import.csv\"\r\n"
            f"Content-Type: text/csv\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    headers = {"Cookie": cookie, "Origin": base,
               "Content-Type": f"multipart/form-data; boundary={boundary}"}
    started = time.monotonic()
    status, _, _ = await request(base, "POST", f"/office/register/import?csrf_token={token}", headers, body)
    print(f"RESULT status={status} seconds={time.monotonic() - started:.1f}")


def inn10(prefix9):
    w = [2, 4, 10, 3, 5, 9, 4, 6, 8]
    d = [int(c) for c in prefix9]
    return prefix9 + str(sum(a * b for a, b in zip(w, d)) % 11 % 10)


def ogrn13(prefix12):
    return prefix12 + str(int(prefix12) % 11 % 10)


def csv(start, n):
    out = sys.stdout
    out.write("ИНН;ОГРН/ОГРНИП;Полное наименование;Сокращенное наименование;"
              "Дата регистрации в реестре;Статус;Уровень ответственности КФ ВВ;Взнос в КФ ВВ, ₽\n")
    for i in range(start, start + n):
        out.write(f"{inn10(f'54{i:07d}')};{ogrn13(f'10254{i:07d}')};"
                  f"ООО «Загрузка {i}»;Загрузка {i};01.02.2024;член СРО;1;100000\n")


def main():
    cmd = sys.argv[1]
    if cmd == "logins":
        asyncio.run(logins(sys.argv[2], int(sys.argv[3])))
    elif cmd == "downloads":
        asyncio.run(downloads(sys.argv[2], sys.argv[3], int(sys.argv[4])))
    elif cmd == "latency":
        stop = sys.argv[6] if len(sys.argv) > 6 else None
        asyncio.run(latency(sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5]), stop))
    elif cmd == "import":
        asyncio.run(import_file(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]))
    elif cmd == "csv":
        csv(int(sys.argv[2]), int(sys.argv[3]))
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
