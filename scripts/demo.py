"""`make demo`: apply examples/complete to LocalStack, write a mixed workload, show what ran.

Run through the Makefile (`python -m scripts.demo`), which starts our LocalStack first unless
AWS_ENDPOINT_URL or LOCALSTACK_HOST names yours. `--keep` leaves the stack applied.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
import uuid
from collections import Counter
from typing import Any

from emulator import lifecycle
from support.local_stack import (
    EXAMPLES,
    LocalStack,
    aim_at_localstack,
    consumer,
    failed,
    failure_records,
    json_lines,
    log_events,
    processed,
    put,
    received,
    summaries,
    wait_processed,
    warm_up,
)

EXAMPLE = EXAMPLES / "complete"
# Terraform's lines worth showing while it works; everything is shown if it fails.
PROGRESS = re.compile(
    r": (Creating|Creation complete|Still \w+ing|Destroying|Destruction complete|Modifying)"
    r"|^(Apply|Destroy) complete|has been successfully initialized"
)
INSERTS, MODIFIES, REMOVES = 10, 6, 4
# Inserts the example's content filter keeps from the function (status DRAFT, not NEW).
DRAFTS = 2
NEW = {"status": {"S": "NEW"}}
# The demo destroys what it applied, so the table is left unprotected (also with --keep, so a
# later `terraform destroy` works).
DEMO_VARS = ("-var=deletion_protection_enabled=false",)


def say(text: str) -> None:
    """One progress line, flushed at once."""
    print(f"==> {text}", flush=True)


def terraform(*args: str) -> None:
    """Run terraform in the example, showing its progress lines; stop the demo if it fails."""
    command = ["terraform", f"-chdir={EXAMPLE}", *args, "-no-color"]
    seen: list[str] = []
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as process:
        for line in process.stdout or ():
            seen.append(line)
            if PROGRESS.search(line):
                print(f"    {line.rstrip()}", flush=True)
    if process.returncode != 0:
        print("".join(seen[-40:]), end="", file=sys.stderr)
        sys.exit(f"demo: `{' '.join(command)}` failed (above). Next: make down && make demo")


def outputs() -> dict[str, Any]:
    """The example's outputs as plain values."""
    text = subprocess.run(
        ["terraform", f"-chdir={EXAMPLE}", "output", "-json"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return {name: value["value"] for name, value in json.loads(text).items()}


def workload(dynamodb: Any, table: str, run: str) -> Counter[str]:
    """Insert, modify and delete items with keys unique to this run; count writes by kind."""
    keys = [f"{run}-order-{n:02d}" for n in range(INSERTS)]
    for pk in keys:
        put(dynamodb, table, {"pk": {"S": pk}, "status": {"S": "NEW"}, "total": {"N": "19.99"}})
    for pk in keys[:MODIFIES]:
        dynamodb.update_item(
            TableName=table,
            Key={"pk": {"S": pk}},
            UpdateExpression="SET #s = :paid",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":paid": {"S": "PAID"}},
        )
    for pk in keys[-REMOVES:]:
        dynamodb.delete_item(TableName=table, Key={"pk": {"S": pk}})
    for n in range(DRAFTS):
        put(dynamodb, table, {"pk": {"S": f"{run}-draft-{n:02d}"}, "status": {"S": "DRAFT"}})
    return Counter({"INSERT": INSERTS + DRAFTS, "MODIFY": MODIFIES, "REMOVE": REMOVES})


def kinds(counts: Counter[str]) -> str:
    """'INSERT 10  MODIFY 6  REMOVE 4' for a counter of event names."""
    return "  ".join(f"{k} {counts.get(k, 0):>3}" for k in ("INSERT", "MODIFY", "REMOVE"))


def report(
    *,
    writes: Counter[str],
    since: list[dict[str, Any]],
    lines: list[dict[str, Any]],
    run: str,
    out: dict[str, Any],
    kept: int,
    applied_s: float,
) -> bool:
    """Print the table; True if exactly the inserts were delivered and each processed once."""
    got = received(since)  # from the handler's batch summary lines, one per invocation
    invocations = len(summaries(since))
    mine = Counter({k: n for k, n in processed(lines).items() if k.startswith(run)})
    failures = sum(n for k, n in failed(lines).items() if k.startswith(run))
    once = all(n == 1 for n in mine.values())
    print()
    print(f"  Writes by kind        {kinds(writes)}")
    print(f"  Records delivered     {kinds(got)}   in {invocations} invocation(s)")
    drafts = sum(n for k, n in mine.items() if "-draft-" in k)
    print(f"  Draft inserts         {DRAFTS} written, {drafts} processed (the filter: status NEW)")
    print(
        f"  Items processed       {mine.total():>3} ({len(mine)} distinct items, "
        f"{'each once' if once else 'SOME MORE THAN ONCE'}), {failures} failed"
    )
    print(f"  Log group             {out['log_group_name']}")
    print(f"  Failure destination   {out['failure_destination_arn']} ({kept} failed batch(es))")
    print(f"  Apply took            {applied_s:.0f} s")
    print()
    new_orders = writes["INSERT"] - DRAFTS
    return got == Counter({"INSERT": new_orders}) and once and len(mine) == new_orders


def main() -> int:
    """Apply, write, report, and destroy unless --keep."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keep", action="store_true", help="leave the stack applied")
    keep = parser.parse_args().keep
    localstack = LocalStack(aim_at_localstack())
    lifecycle.ensure(localstack.endpoint_url)
    say(f"LocalStack at {localstack.endpoint_url}")
    dynamodb, logs = localstack.client("dynamodb"), localstack.client("logs")

    say(
        f"terraform init and apply of {EXAMPLE.relative_to(EXAMPLE.parents[1])} (about 60 s: "
        "Terraform waits about 55 s for the failure bucket's lifecycle rule on LocalStack)"
    )
    terraform("init", "-input=false")
    started = time.monotonic()
    terraform("apply", "-input=false", "-auto-approve", "-compact-warnings", *DEMO_VARS)
    applied_s = time.monotonic() - started
    out = outputs()
    table, group = out["table_name"], out["log_group_name"]
    try:
        say("waiting for the mapping to be Enabled and a first insert to reach the handler")
        # The poller misses writes made as it starts: warm-up inserts until one comes through.
        warm_up(localstack, table, [consumer(out)], item=NEW)
        run = uuid.uuid4().hex[:6]
        start_ms = int(time.time() * 1000)

        say(
            f"writing {INSERTS} inserts of new orders, {DRAFTS} of drafts, {MODIFIES} updates and "
            f"{REMOVES} deletes to {table}, "
            "then a last insert that marks the end (the table counts it)"
        )
        writes = workload(dynamodb, table, run)
        put(dynamodb, table, {"pk": {"S": f"{run}-last"}, **NEW})
        writes["INSERT"] += 1  # the last one, which marks the end
        lines = wait_processed(logs, group, f"{run}-last")
        since = json_lines(log_events(logs, group, start_ms))
        kept = len(failure_records(localstack, out))
        ok = report(
            writes=writes,
            since=since,
            lines=lines,
            run=run,
            out=out,
            kept=kept,
            applied_s=applied_s,
        )
    finally:
        if keep:
            say(
                f"kept: terraform -chdir={EXAMPLE} destroy {DEMO_VARS[0]} removes it; "
                "make down stops LocalStack"
            )
        else:
            say("terraform destroy (make demo KEEP=1 keeps the stack)")
            terraform("destroy", "-input=false", "-auto-approve", "-compact-warnings", *DEMO_VARS)
    if not ok:
        say("unexpected result: see the table above and the log group")
        return 1
    say("only the inserts of new orders reached the handler, each once")
    return 0


if __name__ == "__main__":
    sys.exit(main())
