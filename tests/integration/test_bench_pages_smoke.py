"""The pages' benchmark runs at a tiny size: a row per main page (measured, or skipped until
its area lands) and the first-load size (no timing is judged)."""

from __future__ import annotations

from pathlib import Path

from ops.bench import pages, suite


def test_the_pages_bench_reports_each_main_page_and_the_first_load_size(tmp_path: Path) -> None:
    tiny = ["--events", "1500", "--duration", "0.5", "--calls", "40", "--clients", "4"]
    args = suite.parser().parse_args(
        ["--backend", "sqlite", "--sections", "pages", *tiny, "--out", str(tmp_path / "b.md")]
    )

    rows = suite.run(args, progress=lambda _: None)["rows"]

    page_rows = [r for r in rows if r.section == pages.SECTION]
    assert len(page_rows) == len(pages.PAIRS) + 1
    first_load = next(r for r in page_rows if r.metric.startswith("first-load"))
    assert first_load.value.endswith(" KB")
    built = pages.page_routes()
    for pair in pages.PAIRS:
        row = next(r for r in page_rows if r.metric.startswith(f"{pair.name} page"))
        if pages.built(pair, built):
            assert row.value.count(" ms") == 2, row
            assert " 0 errors" in row.note, row
        else:
            assert row.value.startswith("skipped"), row
