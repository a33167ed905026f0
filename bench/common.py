"""Timing helpers shared by the benchmarks."""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient


def timed(run: Callable[[], object], repeat: int) -> list[float]:
    run()  # warm up templates and caches
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def report(name: str, samples: list[float]) -> None:
    p95 = statistics.quantiles(samples, n=20)[-1] if len(samples) >= 20 else max(samples)
    print(f"  {name:<38} median {statistics.median(samples):7.1f} ms   p95 {p95:7.1f} ms")


def signed_in(app: Flask, email: str) -> tuple[FlaskClient, str]:
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/login", data={"email": email, "password": "demo", "csrf_token": token})
    return client, token
