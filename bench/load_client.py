"""The load generator of bench/load_survey.py: a lean HTTP client, a recorder of what it
saw, generator processes (clients are threads within them) and CPU accounting."""

from __future__ import annotations

import contextlib
import http.client
import multiprocessing
import os
import statistics
import threading
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import requests


class LeanResponse:
    def __init__(self, status: int, headers: dict[str, str], body: bytes):
        self.status_code = status
        self.headers = headers
        self.content = body

    @property
    def text(self) -> str:
        return self.content.decode("utf-8")


class LeanSession:
    """What the bench uses of ``requests.Session`` (``request`` without redirects, a
    cookie jar, a keep-alive connection), on ``http.client``. No retries: a failed request
    is an error, as with ``requests``."""

    def __init__(self):
        self.conn: http.client.HTTPConnection | None = None
        self.cookies: dict[str, str] = {}
        self.headers: dict[str, str] = {}

    def request(self, method, url, timeout=30, allow_redirects=False, data=None):
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = {"User-Agent": "consult-bench", "Accept": "*/*", **self.headers}
        body = None
        if data is not None:
            body = urlencode(data, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            raise requests.ConnectionError(f"{exc.__class__.__name__}: {exc}") from exc
        for cookie in response.msg.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if not value or "Max-Age=0" in cookie or "01 Jan 1970" in cookie:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        headers = dict(response.getheaders())
        if response.will_close:
            self.close()
        return LeanResponse(response.status, headers, content)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


SESSION = {"class": requests.Session}  # set by --client


def new_session(address: str | None = None):
    """A client; ``address``: the client address it claims through the (one) proxy."""
    s = SESSION["class"]()
    if address:
        s.headers["X-Forwarded-For"] = address
    return s


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.confirmed: list[str] = []
        self.requests = 0

    def state(self) -> dict:
        return {"latencies": self.latencies, "errors": self.errors,
                "confirmed": self.confirmed, "requests": self.requests}

    def merge(self, state: dict) -> None:
        self.latencies += state["latencies"]
        self.errors += state["errors"]
        self.confirmed += state["confirmed"]
        self.requests += state["requests"]

    def timed(self, session: requests.Session, method: str, url: str, **kw) -> requests.Response:
        start = time.perf_counter()
        try:
            response = session.request(method, url, timeout=30, allow_redirects=False, **kw)
        except requests.RequestException as exc:
            with self.lock:
                self.errors.append(f"{method} {url}: {exc.__class__.__name__}")
            raise
        elapsed = time.perf_counter() - start
        with self.lock:
            self.latencies.append(elapsed)
            self.requests += 1
            if response.status_code >= 400:
                self.errors.append(f"{method} {url}: HTTP {response.status_code}")
        return response


def _generator_process(jobs: list, queue, setup) -> None:
    """One generator process: each job in a thread of its own; sends back what it saw."""
    if setup is not None:
        setup[0](*setup[1])
    rec = Recorder()
    threads = [threading.Thread(target=fn, args=(*args, rec)) for fn, args in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    queue.put(rec.state())


def run_in_processes(jobs: list, processes: int, setup=None) -> tuple[Recorder, float]:
    """Run ``jobs`` ((function, args), each called with a Recorder last) dealt round
    ``processes`` generator processes; returns the merged recorder and the wall time.
    ``setup``: (function, args) each process calls first (its settings).

    Fresh interpreters (spawn), not forks of this process: a fork of a process that has
    loaded the app pays for copying its memory, page by page, as the generator's CPU."""
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    shares = [jobs[i::processes] for i in range(processes) if jobs[i::processes]]
    procs = [ctx.Process(target=_generator_process, args=(share, queue, setup))
             for share in shares]
    began = time.perf_counter()
    for p in procs:
        p.start()
    rec = Recorder()
    for _ in procs:
        rec.merge(queue.get())
    for p in procs:
        p.join()
    return rec, time.perf_counter() - began


def server_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its children so far, from /proc."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    ticks = 0
    for p in [pid, *children]:
        with contextlib.suppress(FileNotFoundError):
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU time all processes have used since boot (every core), from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def generator_cpu_seconds() -> float:
    """CPU time of this process and of its finished generator processes."""
    import resource

    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def measured(server_pid: int, phase, *args) -> tuple[Recorder, float, dict]:
    """Run a phase; also returns CPU ms per request of the generator and of the gunicorn
    server, and the cores the rest of the machine used meanwhile (PostgreSQL, and anything
    else running: a busy neighbour shows here)."""
    client0, server0 = generator_cpu_seconds(), server_cpu_seconds(server_pid)
    machine0 = machine_busy_seconds()
    rec, wall, *extra = phase(*args)
    client1, server1 = generator_cpu_seconds(), server_cpu_seconds(server_pid)
    machine1 = machine_busy_seconds()
    n = max(rec.requests, 1)
    rest = (machine1 - machine0) - (client1 - client0) - (server1 - server0)
    cpu = {
        "generator": round((client1 - client0) * 1000 / n, 2),
        "server": round((server1 - server0) * 1000 / n, 2),
        "rest_of_machine_cores": round(rest / wall, 2),
    }
    return rec, wall, cpu, *extra


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def summary(rec: Recorder, wall: float) -> dict:
    refused = sum(1 for e in rec.errors if e.endswith("HTTP 429"))
    return {
        "requests": rec.requests,
        "refused_429": refused,
        "throughput_rps": round(rec.requests / wall, 1),
        "p50_ms": round(percentile(rec.latencies, 0.50) * 1000, 1),
        "p95_ms": round(percentile(rec.latencies, 0.95) * 1000, 1),
        "p99_ms": round(percentile(rec.latencies, 0.99) * 1000, 1),
        "mean_ms": round(statistics.fmean(rec.latencies) * 1000, 1) if rec.latencies else None,
        "errors": len(rec.errors),
        "error_samples": rec.errors[:5],
    }
