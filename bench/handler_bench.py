"""Handler benchmarks, side by side: deserialisation, cold import, a 10,000-record batch.

Each comparison alternates the two sides run by run and prints medians and the spread of the
per-run ratios; then the cost of one insert as the batch grows. Nothing is asserted: the goals
are printed beside the figures, which also go to bench/charts/handler.json for bench/charts.py.

    python bench/handler_bench.py           full run (about half a minute)
    python bench/handler_bench.py --quick   smoke run (a few seconds)
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gc
import io
import json
import math
import os
import platform
import random
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

REPO = Path(__file__).resolve().parent.parent
LAMBDA_DIR = REPO / "lambda"
sys.path.insert(0, str(LAMBDA_DIR))

from insert_trigger import deserialize_image, lambda_handler, log  # noqa: E402
from insert_trigger.processor import process  # noqa: E402
from insert_trigger.source import EVENT_NAMES  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Callable

BATCH_SIZE = 10_000
FIGURES = REPO / "bench" / "charts" / "handler.json"
# Lambda's list prices (us-east-1, arm64, first tier, AWS Lambda pricing page): per request, and
# per GB-second of billed duration (whole milliseconds); the module's default memory, 256 MB.
REQUEST_PRICE = 0.20 / 1_000_000
GB_SECOND_PRICE = 0.0000133334
MEMORY_GB = 256 / 1024
COST_BATCH_SIZES = (1, 10, 100, 1000, 10_000)
TITLES = ["Red mug, 350 ml", "Tea spoons, set of 4", "Kettle 1.7 l", "Teapot, blue", "Tray"]
TAGS = ["kitchen", "gift", "red", "blue", "sale", "new", "eco"]
OPTIONS = ["engraving", "gift box", "card", "express wrap"]
CITIES = [("Lyon", "69002", "FR"), ("Porto", "4000-322", "PT"), ("Leeds", "LS1 4AP", "GB")]


# ------------------------------------------------------------------------------ workload


def order_item(rng: random.Random, n: int) -> dict[str, Any]:
    """A typical order-item image: strings, distinct numbers, a set, a list of maps, a map."""
    city, postcode, country = rng.choice(CITIES)
    return {
        "pk": {"S": f"ORDER#{2024_000_000 + n // 3}"},
        "sk": {"S": f"ITEM#{n % 3 + 1:04d}"},
        "sku": {"S": f"SKU-{rng.randrange(10**6):06d}"},
        "title": {"S": rng.choice(TITLES)},
        "quantity": {"N": str(rng.randint(1, 12))},
        "unit_price": {"N": f"{rng.randint(100, 99_999) / 100:.2f}"},
        "discount_rate": {"N": f"0.{rng.randint(1, 99):02d}"},
        "weight_kg": {"N": f"{rng.randint(1, 5000) / 1000}"},
        "created_at": {"N": str(1_717_171_717 + n * 37)},
        "tags": {"SS": rng.sample(TAGS, 3)},
        "options": {
            "L": [
                {"M": {"name": {"S": name}, "price": {"N": f"{rng.randint(50, 999) / 100:.2f}"}}}
                for name in rng.sample(OPTIONS, 2)
            ]
        },
        "shipping": {
            "M": {
                "method": {"S": rng.choice(["standard", "express"])},
                "cost": {"N": f"{rng.randint(0, 1999) / 100:.2f}"},
                "address": {
                    "M": {
                        "city": {"S": city},
                        "postcode": {"S": postcode},
                        "country": {"S": country},
                    }
                },
            }
        },
        "gift": {"BOOL": rng.random() < 0.2},
    }


def stream_batch(size: int) -> dict[str, Any]:
    """A stream event of ``size`` records: INSERT, MODIFY and REMOVE in turn, a third each."""
    rng = random.Random(20240601)
    records = []
    for n in range(size):
        name = ("INSERT", "MODIFY", "REMOVE")[n % 3]
        image = order_item(rng, n)
        dynamodb: dict[str, Any] = {
            "ApproximateCreationDateTime": 1_717_171_717 + n,
            "Keys": {"pk": image["pk"], "sk": image["sk"]},
            "SequenceNumber": f"{44215845 * 10**13 + n:021d}",
            "SizeBytes": 600,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        }
        if name != "REMOVE":
            dynamodb["NewImage"] = image
        if name != "INSERT":
            dynamodb["OldImage"] = image
        records.append(
            {
                "eventID": f"{n:032x}",
                "eventName": name,
                "eventVersion": "1.1",
                "eventSource": "aws:dynamodb",
                "awsRegion": "eu-west-1",
                "dynamodb": dynamodb,
                "eventSourceARN": "arn:aws:dynamodb:eu-west-1:123456789012:table/orders/stream/x",
            }
        )
    return {"Records": records}


# ------------------------------------------------------------------------------ measuring


def seconds(run: Callable[[], object]) -> float:
    """Wall time of one call, from a collected heap, the collector left on as on Lambda."""
    gc.collect()
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def alternate(
    rounds: int, ours: Callable[[], object], theirs: Callable[[], object]
) -> tuple[list[float], list[float]]:
    """Time both sides ``rounds`` times, swapping which goes first each round."""
    mine: list[float] = []
    other: list[float] = []
    for index in range(rounds):
        if index % 2:
            other.append(seconds(theirs))
            mine.append(seconds(ours))
        else:
            mine.append(seconds(ours))
            other.append(seconds(theirs))
    return mine, other


def summary(ratios: list[float], goal: str) -> str:
    """Median, N and spread of the per-run ratios, and the goal."""
    return (
        f"ratio {statistics.median(ratios):.2f}x  (median of {len(ratios)}, "
        f"per-run {min(ratios):.2f}-{max(ratios):.2f}x; goal {goal})"
    )


# ------------------------------------------------------------------------------ the three


def bench_deserialize(rounds: int, figures: dict[str, Any]) -> str:
    """Ours against boto3's TypeDeserializer over a pool of distinct order-item images."""
    try:
        from boto3.dynamodb.types import TypeDeserializer
    except ImportError:
        return "deserialize  skipped: boto3 is not installed (make bench installs it)"
    rng = random.Random(7)
    pool = [order_item(rng, n) for n in range(500)]
    reference = TypeDeserializer()

    def ours() -> None:
        for image in pool:
            deserialize_image(image)

    def theirs() -> None:
        for image in pool:
            reference.deserialize({"M": image})

    mine, other = alternate(rounds, ours, theirs)
    per_call = 1e6 / len(pool)
    ratios = [o / m for m, o in zip(mine, other, strict=True)]
    figures["deserialize"] = {
        "ours_us": statistics.median(mine) * per_call,
        "reference": "boto3 TypeDeserializer",
        "reference_us": statistics.median(other) * per_call,
        "ratios": ratios,
        "goal": 2.5,
    }
    return (
        f"deserialize  ours {statistics.median(mine) * per_call:6.2f} µs  "
        f"TypeDeserializer {statistics.median(other) * per_call:6.2f} µs  "
        + summary(ratios, ">= 2.5x faster")
    )


def bench_cold_import(pairs: int, figures: dict[str, Any]) -> list[str]:
    """`import insert_trigger` in a fresh interpreter against one that imports nothing more."""

    def interpreter(code: str, *flags: str) -> Callable[[], object]:
        command = [sys.executable, "-I", *flags, "-c", code]
        return lambda: subprocess.run(command, check=True)

    rows = []
    figures["cold_import"] = []
    with tempfile.TemporaryDirectory() as unzipped:
        with zipfile.ZipFile(LAMBDA_DIR / "insert_trigger.zip") as archive:
            archive.extractall(unzipped)
        # Lambda's Python runtime client imports json and decimal itself before the handler,
        # so the second pair shows what the package adds on Lambda. /var/task is read-only:
        # the third pair imports the unpacked zip with -B, which writes no bytecode, so the
        # package runs from the bytecode the zip ships, as it does there.
        # The last pair imports decimal alone: the package needs it for N values, so it is
        # the part of the bare-interpreter ratio that no change to the package can remove.
        cases = [
            (LAMBDA_DIR, (), "", "insert_trigger", "bare python", "goal <= 1.3x as slow"),
            (
                LAMBDA_DIR,
                (),
                "import json, decimal",
                "insert_trigger",
                "json+decimal",
                "for Lambda",
            ),
            (
                Path(unzipped),
                ("-B",),
                "import json, decimal",
                "insert_trigger",
                "json+decimal",
                "as on Lambda: the zip, read-only",
            ),
            (LAMBDA_DIR, (), "", "decimal", "bare python", "decimal alone, needed for N"),
        ]
        for folder, flags, baseline, module, label, note in cases:
            setup = f"import sys; sys.path.insert(0, {str(folder)!r})"
            setup += f"; {baseline}" if baseline else ""
            ours = interpreter(f"{setup}; import {module}", *flags)
            bare = interpreter(setup, *flags)
            ours()  # writes the bytecode cache, as any first import does (unless -B)
            mine, other = alternate(pairs, ours, bare)
            ratios = [m / o for m, o in zip(mine, other, strict=True)]
            subject = "ours" if module == "insert_trigger" else module
            figures["cold_import"].append({"subject": subject, "note": note, "ratios": ratios})
            rows.append(
                f"cold import  {subject} {statistics.median(mine) * 1e3:6.2f} ms  "
                f"{label} {statistics.median(other) * 1e3:6.2f} ms  "
                f"ratio {statistics.median(ratios):.2f}x  (median of {len(ratios)}, "
                f"per-run {min(ratios):.2f}-{max(ratios):.2f}x; {note})"
            )
    rows.append(
        "cold import  note: Lambda's runtime imports json and decimal before the handler, so on "
        "Lambda the package adds what the json+decimal rows show, not what the bare row shows"
    )
    return rows


def bench_batch(rounds: int, figures: dict[str, Any]) -> str:
    """Our handler against a Powertools BatchProcessor handler doing the same work."""
    try:
        from aws_lambda_powertools.utilities.batch import (
            BatchProcessor,
            EventType,
            process_partial_response,
        )
        from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
            DynamoDBRecord,
            DynamoDBRecordEventName,
        )
    except ImportError:
        return "batch 10k    skipped: aws-lambda-powertools is missing (make bench installs it)"

    powertools = BatchProcessor(event_type=EventType.DynamoDBStreams)

    def record_handler(record: DynamoDBRecord) -> None:
        if record.event_name != DynamoDBRecordEventName.INSERT:
            return
        stream = record.dynamodb
        assert stream is not None
        process(stream.new_image, record.raw_event)
        # The same line through the same writer: the log is not what is compared.
        log.write(
            {
                "level": "INFO",
                "message": "insert processed",
                "keys": stream.keys,
                "sequence_number": stream.sequence_number,
                "event_id": record.event_id,
            }
        )

    def powertools_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        response: dict[str, Any] = process_partial_response(
            event=event, record_handler=record_handler, processor=powertools, context=context
        )
        # Our handler ends each batch with a summary line; the same line here, counted here.
        received: dict[str, int] = {}
        for record in event["Records"]:
            received[record["eventName"]] = received.get(record["eventName"], 0) + 1
        inserted = received.get("INSERT", 0)
        log.write(
            {
                "level": "INFO",
                "message": "batch summary",
                "received": {name: received[name] for name in EVENT_NAMES if name in received},
                "processed": inserted,
                "skipped": len(event["Records"]) - inserted,
                "failed": 0,
                "left_for_retry": 0,
                "stopped_for_deadline": False,
            }
        )
        return response

    event = stream_batch(BATCH_SIZE)
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
        os.environ.pop("INSERT_PROCESSOR", None)
        os.environ.pop("DEADLINE_MARGIN_MS", None)
        check_same_output(event, powertools_handler)
        mine, other = alternate(
            rounds,
            lambda: lambda_handler(event, None),
            lambda: powertools_handler(event, None),
        )
    ratios = [o / m for m, o in zip(mine, other, strict=True)]
    figures["batch"] = {
        "ours_ms": statistics.median(mine) * 1e3,
        "reference": "Powertools BatchProcessor",
        "reference_ms": statistics.median(other) * 1e3,
        "ratios": ratios,
        "goal": 3.0,
    }
    return (
        f"batch 10k    ours {statistics.median(mine) * 1e3:6.1f} ms  "
        f"Powertools BatchProcessor {statistics.median(other) * 1e3:6.1f} ms  "
        + summary(ratios, ">= 3x faster")
    )


def invocation_cost(milliseconds: float) -> float:
    """What one invocation costs at list price: the request plus its billed duration."""
    return REQUEST_PRICE + GB_SECOND_PRICE * MEMORY_GB * math.ceil(milliseconds) / 1000


def bench_cost(rounds: int, figures: dict[str, Any]) -> list[str]:
    """Cost of one insert as the batch grows: the filtered mapping's batches hold only INSERTs,
    an unfiltered mapping's hold a third INSERTs and the rest for the handler to skip."""
    rows, points = [], []
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
        for size in COST_BATCH_SIZES:
            mixed = stream_batch(size)
            inserts_only = {
                "Records": [
                    r for r in stream_batch(3 * size)["Records"] if r["eventName"] == "INSERT"
                ]
            }
            point: dict[str, Any] = {"batch_size": size}
            # Inserts per invocation: all of a filtered batch; a third of an unfiltered one, on
            # average (a batch of 1 holds an insert only every third invocation).
            for kind, event, inserts in (
                ("filtered", inserts_only, size),
                ("unfiltered", mixed, size / 3),
            ):
                runs = [
                    seconds(functools.partial(lambda_handler, event, None)) for _ in range(rounds)
                ]
                milliseconds = statistics.median(runs) * 1e3
                point[kind] = {
                    "inserts": inserts,
                    "ms": milliseconds,
                    "cost_per_insert": invocation_cost(milliseconds) / inserts,
                }
            points.append(point)
    figures["cost"] = {
        "memory_mb": round(MEMORY_GB * 1024),
        "request_price": REQUEST_PRICE,
        "gb_second_price": GB_SECOND_PRICE,
        "points": points,
    }
    for point in points:
        filtered, unfiltered = point["filtered"], point["unfiltered"]
        rows.append(
            f"cost         batch {point['batch_size']:>6}  filtered {filtered['ms']:8.2f} ms "
            f"${filtered['cost_per_insert'] * 1e6:.3g} per million inserts  unfiltered "
            f"{unfiltered['ms']:8.2f} ms ${unfiltered['cost_per_insert'] * 1e6:.3g} per million"
        )
    rows.append(
        "cost         note: list prices, 256 MB arm64 in us-east-1, the handler's time on this "
        "machine (not Lambda's start-up or the processor's work)"
    )
    return rows


def check_same_output(event: dict[str, Any], other: Callable[[dict[str, Any], Any], Any]) -> None:
    """Both handlers answer the same and write the same lines, or the comparison means nothing."""
    outputs = []
    for handler in (lambda_handler, other):
        lines = io.StringIO()
        with contextlib.redirect_stdout(lines):
            response = handler(event, None)
        outputs.append((response, lines.getvalue()))
    if outputs[0] != outputs[1]:
        raise SystemExit("the two handlers differ in response or log lines; fix the bench")


def main() -> int:
    """Run the three comparisons and print the table."""
    parser = argparse.ArgumentParser(description="Handler benchmarks (printed, not asserted).")
    parser.add_argument("--quick", action="store_true", help="few runs: a smoke test")
    quick = parser.parse_args().quick
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    # Ratios may differ between interpreter builds (with PGO/LTO or without), and Lambda's is
    # not this one: say which kind measured them.
    configured = str(sysconfig.get_config_var("CONFIG_ARGS") or "")
    build = "optimised" if "--enable-optimizations" in configured else "not optimised"
    print(
        f"handler benchmarks: Python {platform.python_version()} ({build} build), "
        f"{os.cpu_count()} CPUs, load {load}{', --quick' if quick else ''}"
    )
    figures: dict[str, Any] = {"python": platform.python_version(), "build": build, "load": load}
    print(bench_deserialize(rounds=5 if quick else 21, figures=figures))
    for row in bench_cold_import(pairs=8 if quick else 60, figures=figures):
        print(row)
    print(bench_batch(rounds=3 if quick else 9, figures=figures))
    for row in bench_cost(rounds=3 if quick else 9, figures=figures):
        print(row)
    if not quick:  # a smoke run leaves the charts' figures as they were
        FIGURES.parent.mkdir(exist_ok=True)
        FIGURES.write_text(json.dumps(figures, indent=1) + "\n")
        print(f"figures written to {FIGURES.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
