"""The response-timers benchmark runs end to end at a tiny size: every lead's warning acted on,
every figure there (no timing is judged)."""

from __future__ import annotations

from ops.bench import response_timers


def test_the_response_timers_benchmark_acts_on_every_timer_at_a_tiny_size() -> None:
    result = response_timers.run("sqlite", leads=30, lead_seconds=6, window_seconds=2)

    assert (result["leads"], result["timer_rows"], result["timers_acted"]) == (30, 90, 30)
    assert result["dispatcher_jobs"] == 30 and result["dispatcher_jobs_per_second"] > 0
    assert result["delay_p99_seconds"] >= result["delay_p50_seconds"]
