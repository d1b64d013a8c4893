"""A small, bounded HTTP load generator for the app served on 127.0.0.1.

It runs in its own process, so its work does not share a GIL with anything it
measures. Each client thread keeps one keep-alive connection, walks the list of
pages in turn and paces itself to a fixed request rate (analysts clicking, not
a flood); every run is bounded by a request count and a time limit, and only
ever talks to the loopback address it is given.
"""

from __future__ import annotations

import http.client
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

LOOPBACK = "127.0.0.1"
USER_AGENT = "aunoo-bench/1"


@dataclass
class Plan:
    port: int
    cookie: str
    pages: dict[str, str]  # name -> path
    clients: int = 4
    per_client_rate: float = 5.0  # requests per second
    max_seconds: float = 60.0
    max_requests: int = 100_000


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, page: str, seconds: float, error: str | None) -> None:
        with self.lock:
            if error is None:
                self.latencies.setdefault(page, []).append(seconds)
            else:
                self.errors.setdefault(page, []).append(error)

    def count(self) -> int:
        with self.lock:
            return sum(map(len, self.latencies.values())) + sum(
                map(len, self.errors.values())
            )


def run(plan: Plan, stop: Any, results: Any) -> None:
    """Process entry point: load until ``stop`` is set or a bound is reached."""
    tally = Tally()
    deadline = time.monotonic() + plan.max_seconds
    threads = [
        threading.Thread(target=_client, args=(plan, index, tally, stop, deadline))
        for index in range(plan.clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put({"latencies": tally.latencies, "errors": tally.errors})


def _client(plan: Plan, index: int, tally: Tally, stop: Any, deadline: float) -> None:
    names = list(plan.pages)
    conn = http.client.HTTPConnection(LOOPBACK, plan.port, timeout=30)
    interval = 1.0 / plan.per_client_rate
    turn = index
    next_at = time.monotonic() + index * interval / plan.clients
    while not stop.is_set() and time.monotonic() < deadline:
        if tally.count() >= plan.max_requests:
            break
        time.sleep(max(0.0, next_at - time.monotonic()))
        next_at += interval
        name = names[turn % len(names)]
        turn += 1
        began = time.perf_counter()
        error = _get(conn, plan.pages[name], plan.cookie)
        tally.add(name, time.perf_counter() - began, error)
        if error and error.startswith("connection"):
            conn.close()
            conn = http.client.HTTPConnection(LOOPBACK, plan.port, timeout=30)
    conn.close()


def _get(conn: http.client.HTTPConnection, path: str, cookie: str) -> str | None:
    try:
        conn.request("GET", path, headers={"Cookie": cookie, "User-Agent": USER_AGENT})
        response = conn.getresponse()
        response.read()
    except (OSError, http.client.HTTPException) as exc:
        return f"connection: {type(exc).__name__}"
    if response.status != 200:
        return f"HTTP {response.status}"
    return None


def warm_up(plan: Plan, rounds: int = 4) -> None:
    """Unmeasured requests: each worker's connections, templates and caches."""
    conn = http.client.HTTPConnection(LOOPBACK, plan.port, timeout=30)
    try:
        for _ in range(rounds):
            for path in plan.pages.values():
                _get(conn, path, plan.cookie)
                # A new connection each time spreads the requests over workers.
                conn.close()
    finally:
        conn.close()


# Logging in ----------------------------------------------------------------------


def log_in(port: int, login_path: str, username: str, password: str) -> str:
    """Log in through the real login form; return the Cookie header to send."""
    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=30)
    try:
        conn.request("GET", login_path, headers={"User-Agent": USER_AGENT})
        response = conn.getresponse()
        body = response.read().decode("utf-8", "replace")
        cookies = _cookies(response)
        token = _form_token(body) or cookies.get("csrftoken", "")
        form = urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": token}
        )
        conn.request(
            "POST",
            login_path,
            body=form,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": _header(cookies),
                "User-Agent": USER_AGENT,
                "Referer": f"http://{LOOPBACK}:{port}{login_path}",
            },
        )
        response = conn.getresponse()
        response.read()
        cookies.update(_cookies(response))
    finally:
        conn.close()
    if response.status != 302 or "sessionid" not in cookies:
        raise RuntimeError(f"login answered HTTP {response.status} without a session")
    return _header(cookies)


def _cookies(response: http.client.HTTPResponse) -> dict[str, str]:
    found = {}
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        found[name.strip()] = rest.split(";", 1)[0]
    return found


def _header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def _form_token(body: str) -> str | None:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    return match.group(1) if match else None
