"""The console script: arguments, what goes to stdout and stderr, and the exit codes."""

from __future__ import annotations

import pytest
from insert_trigger_redrive import cli, core
from redrive.fakes import (
    BUCKET_ARN,
    FUNCTION,
    Aws,
    FakeLambda,
    client_error,
    failure_body,
    lambda_record,
    mapping,
    refuses,
    s3_key,
)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Aws:
    """Fakes in place of the clients the command would build from the environment."""
    fakes = Aws(FakeLambda(mapping(BUCKET_ARN)))
    monkeypatch.setattr(core, "aws_clients", lambda: fakes.clients)
    return fakes


def test_everything_redriven_exits_0_with_the_summary_on_stdout(
    aws: Aws, capsys: pytest.CaptureFixture[str]
) -> None:
    aws.s3.put(s3_key("01"), failure_body(1, 1, {"Records": [lambda_record(1)]}))

    code = cli.main(["--function-name", FUNCTION])

    out, err = capsys.readouterr()
    assert code == cli.EXIT_OK == 0
    assert "failure records found: 1" in out
    assert "records redriven: 1" in out
    assert "[1] s3://" in err  # progress goes to stderr


def test_nothing_to_do_exits_0(aws: Aws, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--function-name", FUNCTION]) == 0
    assert "failure records found: 0" in capsys.readouterr().out


def test_records_failing_again_exit_1(aws: Aws, capsys: pytest.CaptureFixture[str]) -> None:
    aws.lambda_.behaviour = refuses(1)
    aws.s3.put(s3_key("01"), failure_body(1, 1, {"Records": [lambda_record(1)]}))

    assert cli.main(["--function-name", FUNCTION]) == cli.EXIT_INCOMPLETE == 1
    assert "records failed again: 1" in capsys.readouterr().out


def test_unrecoverable_exits_1(aws: Aws, capsys: pytest.CaptureFixture[str]) -> None:
    aws.s3.put(s3_key("01"), b"garbage")

    assert cli.main(["--function-name", FUNCTION]) == 1
    assert "unrecoverable failure records: 1" in capsys.readouterr().out


def test_dry_run_flag_reaches_redrive(aws: Aws, capsys: pytest.CaptureFixture[str]) -> None:
    aws.s3.put(s3_key("01"), failure_body(1, 1, {"Records": [lambda_record(1)]}))

    assert cli.main(["--function-name", FUNCTION, "--dry-run"]) == 0

    assert aws.lambda_.invocations == []
    assert "records that would be redriven: 1" in capsys.readouterr().out


def test_a_refusal_exits_2_with_the_reason_on_stderr(
    aws: Aws, capsys: pytest.CaptureFixture[str]
) -> None:
    aws.lambda_.mapping = mapping("arn:aws:sns:eu-west-1:123456789012:topic")

    assert cli.main(["--function-name", FUNCTION]) == cli.EXIT_REFUSED == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "refused:" in err
    assert "SNS" in err


def test_an_aws_error_exits_2(aws: Aws, capsys: pytest.CaptureFixture[str]) -> None:
    def broken(**kwargs: object) -> dict[str, object]:
        raise client_error("ServiceUnavailable", "try later")

    aws.s3.list_objects_v2 = broken  # type: ignore[method-assign]

    assert cli.main(["--function-name", FUNCTION]) == 2
    assert "AWS error" in capsys.readouterr().err


def test_function_name_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main([])

    assert exit_.value.code == 2
    assert "--function-name" in capsys.readouterr().err
