"""The load generator: N threads, each with its own keep-alive connection, for a bounded time."""

import http.client
import statistics
import threading
import time
from collections import Counter
from urllib.parse import urlsplit


def percentile(values: list[float], fraction: float) -> float:
    """The value below which ``fraction`` of ``values`` lie (nearest rank)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


def load(base_url: str, method: str, path: str, *, body: bytes | None = None,
         headers: dict | None = None, expect: int = 200, clients: int = 16,
         duration: float = 5.0, warmup: float = 1.0, warm_requests: int = 3,
         warmup_deadline: float = 60.0, max_requests: int = 100_000) -> dict:
    """Fire requests from ``clients`` threads; count those that end within ``duration`` seconds.

    The measured window opens after ``warmup`` seconds once every client has
    had ``warm_requests`` answers (a worker's first requests compile
    templates and fill caches), or after ``warmup_deadline`` seconds. Only
    answers with the ``expect`` status count; the others are reported in
    ``errors``. Bounded by time and by ``max_requests``.
    """
    parts = urlsplit(base_url)
    headers = dict(headers or {})
    done: list[tuple[float, float, object]] = []  # (end, latency, status or error name)
    warm = [0] * clients
    lock = threading.Lock()
    stop = threading.Event()
    started = threading.Barrier(clients + 1)

    def connect():
        return http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)

    def worker(index):
        connection = connect()
        mine = []
        started.wait()
        while not stop.is_set() and len(mine) < max_requests // clients:
            began = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                outcome = response.status
            except (OSError, http.client.HTTPException) as error:
                outcome = type(error).__name__
                response = None
            ended = time.perf_counter()
            mine.append((ended, ended - began, outcome))
            warm[index] += 1
            if response is None or response.will_close:
                connection.close()
                connection = connect()
        connection.close()
        with lock:
            done.extend(mine)

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    started.wait()
    warm_from = time.perf_counter()
    while time.perf_counter() - warm_from < warmup_deadline and (
            time.perf_counter() - warm_from < warmup or min(warm) < warm_requests):
        time.sleep(0.05)
    window_start = time.perf_counter()
    window_end = window_start + duration
    while time.perf_counter() < window_end and any(t.is_alive() for t in threads):
        time.sleep(0.05)
    stop.set()
    for thread in threads:
        thread.join(timeout=180)
    window_end = min(window_end, time.perf_counter())
    inside = [(latency, outcome) for ended, latency, outcome in done
              if window_start <= ended <= window_end]
    latencies = [latency for latency, outcome in inside if outcome == expect]
    errors = Counter(str(outcome) for _latency, outcome in inside if outcome != expect)
    elapsed = window_end - window_start
    return {
        "requests": len(latencies),
        "per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 1) if latencies else None,
        "errors": dict(errors),
    }


def timed(connection, parts, method, path, body=None, headers=None):
    """Send one request; return its status, its latency and the connection to reuse."""
    began = time.perf_counter()
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    response.read()
    elapsed = time.perf_counter() - began
    if response.will_close:
        connection.close()
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    return response.status, elapsed, connection


def _latency_summary(latencies, errors) -> dict:
    return {
        "requests": len(latencies),
        "p50_ms": round(statistics.median(latencies) * 1000, 2) if latencies else None,
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 2) if latencies else None,
        "errors": dict(errors),
    }


def sequential(base_url: str, method: str, path: str, *, body: bytes | None = None,
               headers: dict | None = None, expect: int = 200, count: int = 200,
               warmup: int = 20) -> dict:
    """One client, one request at a time: the latency of a request on an idle server."""
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    latencies, errors = [], Counter()
    for index in range(warmup + count):
        status, elapsed, connection = timed(connection, parts, method, path, body,
                                             headers or {})
        if index < warmup:
            continue
        if status == expect:
            latencies.append(elapsed)
        else:
            errors[str(status)] += 1
    connection.close()
    return _latency_summary(latencies, errors)


def alternating(base_url: str, requests: list[tuple[str, bytes]], *, headers: dict,
                expect: int, count: int = 200, warmup: int = 10) -> list[dict]:
    """POST each (path, body) in turn, ``count`` times each, on one connection.

    Alternating makes the compared requests share the machine's conditions,
    whatever else runs on it meanwhile.
    """
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    latencies = [[] for _ in requests]
    errors = [Counter() for _ in requests]
    for round_index in range(warmup + count):
        for index, (path, body) in enumerate(requests):
            status, elapsed, connection = timed(connection, parts, "POST", path, body,
                                                 headers)
            if round_index < warmup:
                continue
            if status == expect:
                latencies[index].append(elapsed)
            else:
                errors[index][str(status)] += 1
    connection.close()
    return [_latency_summary(values, errs)
            for values, errs in zip(latencies, errors, strict=True)]


def burst(base_urls: list[str], path: str, *, body: bytes, headers: dict, expect: int,
          count: int, clients: int, seconds: float) -> dict:
    """``count`` POSTs from ``clients`` threads spread evenly over ``seconds`` (open loop).

    Client ``i`` talks to ``base_urls[i % len(base_urls)]`` and sends its share
    at fixed times (staggered between clients), so the arrival rate is
    ``count / seconds`` whatever the server does. Each registration opens its own
    connection, as each one comes from another person: a kept-alive connection
    idle for the full-size interval (6 s) would be closed by gunicorn (keepalive,
    2 s) and the next request on it fail with a broken pipe. A latency runs from
    the time the request was due, so a request that waited behind its client's
    previous one counts the wait.
    The answers' ``choices[0].status`` are counted (confirmed, waitlisted).
    """
    import json

    per_client = count // clients
    interval = seconds / per_client
    latencies: list[float] = []
    errors: Counter = Counter()
    outcomes: Counter = Counter()
    lock = threading.Lock()
    start = time.perf_counter() + 1.0

    def worker(index):
        parts = urlsplit(base_urls[index % len(base_urls)])
        offset = interval * index / clients
        mine, my_errors, my_outcomes = [], Counter(), Counter()
        for k in range(per_client):
            due = start + offset + k * interval
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
            try:
                connection.request("POST", path, body=body, headers=headers)
                response = connection.getresponse()
                answer = response.read()
                if response.status == expect:
                    mine.append(time.perf_counter() - due)
                    my_outcomes[json.loads(answer)["choices"][0]["status"]] += 1
                else:
                    my_errors[str(response.status)] += 1
            except (OSError, http.client.HTTPException, ValueError, KeyError) as error:
                my_errors[type(error).__name__] += 1
            finally:
                connection.close()
        with lock:
            latencies.extend(mine)
            errors.update(my_errors)
            outcomes.update(my_outcomes)

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 300)
    elapsed = time.perf_counter() - start
    return {
        "sent": per_client * clients, "clients": clients, "servers": len(base_urls),
        "planned_seconds": seconds, "seconds": round(elapsed, 1),
        "answered": len(latencies), "outcomes": dict(outcomes), "errors": dict(errors),
        "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 1) if latencies else None,
        "max_ms": round(max(latencies) * 1000, 1) if latencies else None,
    }
