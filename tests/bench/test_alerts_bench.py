"""The alert latency benchmark end to end on a small scale: every stream and the webhook get
the fire's alert (correctness only; the timings are the benchmark's business)."""

from __future__ import annotations

from bench.alerts import run


def test_every_stream_and_the_webhook_receive_the_alert() -> None:
    summary = run(clients=20, rounds=1, floor=False)
    assert summary["sse"]["received"] == summary["sse"]["expected"] == 20
    assert summary["webhook"]["received"] == summary["webhook"]["expected"] == 1
    assert summary["webhook"]["signed"], "the receiver checked X-Geoops-Signature with the secret"
    assert summary["per_round"][0]["missing"] == 0
    assert "alert NOTIFY heard -> last stream" in summary["stages"]
