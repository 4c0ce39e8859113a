import itertools

from ingestion.domain.progress import (
    RATE_WINDOW_S,
    SAMPLE_SPACING_S,
    Sample,
    add_sample,
    average_rate,
    compute_progress,
    estimate_total_rows,
    percent_done,
    success_rate,
)


def progress(samples, now, **kw):
    args = dict(
        processed_rows=500, imported_rows=450, bytes_processed=20_000, bytes_total=80_000, finished=False
    )
    return compute_progress(samples=[samples], now=now, **(args | kw))


def test_percent_comes_from_bytes_and_stops_short_of_100_until_the_end():
    assert percent_done(20_000, 80_000, finished=False) == 25.0
    assert percent_done(80_000, 80_000, finished=False) == 99.99
    assert percent_done(80_000, 80_000, finished=True) == 100.0
    assert percent_done(0, None, finished=False) == 0.0


def test_total_rows_is_estimated_from_the_average_row_size_so_far():
    assert estimate_total_rows(500, 20_000, 80_000) == 2000
    assert estimate_total_rows(0, 0, 80_000) is None


def test_rate_and_eta_come_from_the_recent_window_not_from_the_start():
    # A long wait in the queue at the start, then 100 rows/s (4,000 bytes/s) for the last 10 s.
    samples = [Sample(0, 0, 0), Sample(990, 0, 0), Sample(1000, 1000, 40_000)]
    p = progress(samples, now=1001, processed_rows=1000, bytes_processed=40_000)
    assert p.rows_per_sec == 100.0
    assert p.eta_seconds == 10  # 40,000 bytes left at 4,000 bytes/s


def test_a_job_that_stopped_moving_shows_no_rate():
    samples = [Sample(0, 0, 0), Sample(10, 1000, 40_000)]
    assert progress(samples, now=10 + 500).rows_per_sec is None


def test_success_rate_is_imported_over_processed():
    assert progress([], now=0).success_rate == 0.9
    assert progress([], now=0, processed_rows=0, imported_rows=0).success_rate is None


def test_a_finished_job_is_exact():
    p = progress([], now=0, finished=True)
    assert (p.percent, p.total_rows, p.total_rows_exact, p.eta_seconds) == (100.0, 500, True, 0)


def test_samples_are_thinned_and_kept_inside_the_window():
    samples: list[Sample] = []
    for t in range(0, 200):
        samples = add_sample(samples, Sample(t * 0.5, t * 10, t * 400))
    assert samples[-1].at == 99.5
    assert all(samples[-1].at - s.at <= RATE_WINDOW_S for s in samples)
    # One per SAMPLE_SPACING_S (5 s), but the newest, which stands in until it is that far on.
    assert all(b.at - a.at >= SAMPLE_SPACING_S for a, b in itertools.pairwise(samples[:-1]))
    assert len(samples) <= RATE_WINDOW_S / SAMPLE_SPACING_S + 2 == 14


def test_average_rate_of_a_finished_job():
    assert average_rate(1000, 100.0, 110.0) == 100.0
    assert average_rate(1000, None, 110.0) is None


def test_the_rate_of_a_split_job_is_the_sum_of_its_moving_shards():
    from ingestion.domain.progress import Sample, combined_rates

    fast = [Sample(100.0, 0, 0), Sample(110.0, 1000, 50_000)]
    slow = [Sample(100.0, 0, 0), Sample(110.0, 500, 25_000)]
    idle = [Sample(-30.0, 0, 0), Sample(-20.0, 10, 10)]  # nothing for over two minutes: not moving
    assert combined_rates([fast, slow, idle, []], now=111.0) == (150.0, 7500.0)
    assert combined_rates([idle], now=111.0) is None


def test_the_success_rate_is_rounded_down_to_a_tenth_of_a_percent():
    assert success_rate(imported=299_935, processed=300_000) == 0.999  # 65 failed: 99.9 %, not 100 %
    assert success_rate(imported=4, processed=11) == 0.363  # 36.36...: 36.3 % on every surface
    assert success_rate(imported=7, processed=11) == 0.636
    assert success_rate(imported=2, processed=3) == 0.666
    assert success_rate(imported=11, processed=11) == 1.0
    assert success_rate(imported=0, processed=11) == 0.0
    assert success_rate(imported=0, processed=0) is None


def test_the_success_rate_never_reads_100_while_a_row_failed_nor_0_while_one_was_imported():
    assert success_rate(imported=999_999_999, processed=1_000_000_000) == 0.999
    assert success_rate(imported=1, processed=1_000_000_000) == 0.001


def test_the_progress_carries_the_one_success_rate():
    assert progress([], now=0, processed_rows=300_000, imported_rows=299_935).success_rate == 0.999


def test_a_job_that_took_under_a_second_has_no_average_rate():
    assert average_rate(3, 100.0, 100.4) is None  # "7.5 rows/s" for 3 rows means nothing
    assert average_rate(3, 100.0, 101.0) == 3.0
