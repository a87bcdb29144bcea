"""Command-line errors: one line, exit status 2, no traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["track", "no/such/video.mp4"], "no/such/video.mp4"),
        (["eval", "--video", "no/such/video.mp4", "--gt", "no/such/gt.txt"], "no/such/gt.txt"),
        (["track", "x.mp4", "--model", "weights.pt"], "x.mp4: no such file"),  # the source opens first
    ],
)
def test_bad_input_prints_one_line_and_exits_2(args, message, tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "storelens.cli", *args, "-o" if args[0] == "track" else "--json"]
        + ([str(tmp_path)] if args[0] == "track" else []),
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert out.returncode == 2, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("storelens: error:") and message in lines[0], out.stderr
    assert "Traceback" not in out.stderr


def test_every_command_has_an_example_that_parses():
    import shlex

    from storelens.cli import EXAMPLES, _build_parser

    parser = _build_parser()
    commands = parser._subparsers._group_actions[0].choices
    assert set(EXAMPLES) == set(commands)
    for name, example in EXAMPLES.items():
        assert parser.parse_args(shlex.split(example)[1:]).command == name
        assert example in commands[name].format_help()


def test_a_closed_pipe_ends_quietly():
    """`storelens stats ... | head`: the reader closes early; no traceback, exit 141 (as SIGPIPE would)."""
    import subprocess
    import sys

    script = (
        "import sys, storelens.cli as cli\n"
        "def chatty(args):\n"
        "    for _ in range(100000): print('x' * 100)\n"
        "    return 0\n"
        "cli._cmd_stats = chatty\n"
        "sys.exit(cli.main(['stats', 'store.yaml']))\n"
    )
    reader = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    reader.stdout.read(1000)
    reader.stdout.close()  # like `| head` that has had enough
    _, err = reader.communicate(timeout=60)
    assert reader.returncode == 141, err
    assert err == b""
