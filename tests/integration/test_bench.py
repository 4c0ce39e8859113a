"""`make bench` end to end on a tiny file: every measurement runs against a real local stack and
results.json gets every key. No speed is asserted: the figures are for people to read."""

import json
import os
import subprocess
import sys
from pathlib import Path

from bench.run import REQUIRED_KEYS

ROOT = Path(__file__).resolve().parents[2]


def test_the_benchmark_runs_every_measurement_and_writes_every_key(tmp_path):
    output = tmp_path / "results.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "layers" / "common")])
    tiny = [
        "--rows",
        "300",
        "--per-row-rows",
        "30",
        "--memory-rows",
        "100,200",
        "--repeat",
        "1",
        "--pairs",
        "2",
    ]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            *tiny,
            "--real-writes-max-s",
            "0",
            "--shards",
            "2",
            "--output",
            str(output),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]

    results = json.loads(output.read_text())
    assert set(REQUIRED_KEYS) <= set(results)
    assert (results["rows"], results["shards"], results["per_row_rows"]) == (300, 2, 30)
    assert results["memory_writers"] == ["moto", "counting-fake"]  # 200 rows "too slow" at 0 s allowed
    for key in REQUIRED_KEYS[5:]:
        assert all(x > 0 for x in (results[key] if isinstance(results[key], list) else [results[key]])), key
    # Two pairs of the pipeline and the write limit, each on its own stack: the ratio is their median.
    runs = results["pipeline_vs_write_limit_runs"]
    assert (
        len(runs)
        == len(results["pipeline_rows_per_s_runs"])
        == len(results["write_limit_rows_per_s_runs"])
        == 2
    )
    assert runs[0] == round(results["pipeline_rows_per_s"] / results["write_limit_rows_per_s"], 3)
    assert results["pipeline_vs_write_limit"] == (runs[0] + runs[1]) / 2
    assert "pipeline_rows_per_s" in done.stdout and str(output) in done.stdout
    assert "parse_validate_vs_csv_reader_wide" in done.stdout
    assert results["wide_rows"] == 7  # 300 half hours of one meter: 6 whole days and 12 of a 7th
    # One item a meter-day, the same 7 for both files; the baseline's equal to the pipeline's.
    assert results["day_items"] == results["pipeline_day_items"] == results["pipeline_day_items_wide"] == 7
    assert results["write_limit_items_compared"] == 7
    # Every day item is under 1 KB: a write unit each. The wide file's 6 whole days are puts and its
    # last day an update; the long file's shards may each update a day their boundary splits.
    assert results["readings_write_units_wide"] == {"BatchWriteItem": 6, "UpdateItem": 1}
    assert results["write_units_per_10k_readings_wide"] == round(7 * 10_000 / 300, 1)
    assert 7 <= sum(results["readings_write_units"].values()) <= 7 + 2
    # The log: a part a batch written, and the coverage built from it when the job ends.
    assert results["ingest_s3_requests"]["PUT logs"] == results["pipeline_batches"]
    assert results["ingest_s3_requests"]["PUT coverage"] == 1
