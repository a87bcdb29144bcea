"""`storelens report CONFIG --day D -o out/`: the files it writes and prints, ``--mail``, and its one-line errors."""

from __future__ import annotations

from datetime import date
from email import message_from_bytes, policy

import pytest
import yaml
from report_history import month_store, simulate_day
from smtp_server import free_port, smtp_server

from storelens.cli import main
from storelens.config.identity import store_id_of
from storelens.runner import open_store_database

DAY = date(2026, 3, 7)


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """The config file of a store with one simulated day."""
    folder = tmp_path_factory.mktemp("shop")
    store, config = month_store(folder)
    with open_store_database(config) as db:
        simulate_day(store, DAY).write(db, store_id_of(config))
    return folder / "store.yaml"


def with_mail(path, port: int):
    """A copy of the config beside it that mails to ``port``."""
    raw = yaml.safe_load(path.read_text())
    raw["reports"] = {
        "email": {"smtp_host": "127.0.0.1", "smtp_port": port, "security": "none", "from": "shop@example.com",
                  "to": ["boss@example.com"], "timeout_s": 5},
    }
    out = path.with_name("mailing.yaml")
    out.write_text(yaml.safe_dump(raw))
    return out


def test_report_writes_and_prints_the_html_and_pdf(shop, tmp_path, capsys):
    assert main(["report", str(shop), "--day", DAY.isoformat(), "-o", str(tmp_path / "out")]) == 0
    html, pdf = (tmp_path / "out" / f"simulated-corner-shop-2026-03-07.{ext}" for ext in ("html", "pdf"))
    assert capsys.readouterr().out.splitlines() == [str(html), str(pdf)]
    assert html.read_text(encoding="utf-8").startswith("<!doctype html>")
    assert pdf.read_bytes().startswith(b"%PDF")
    assert not list((tmp_path / "out").glob(".*.part"))  # written whole, nothing left behind


def test_report_mail_sends_it_to_the_configs_recipients(shop, tmp_path, capsys):
    port = free_port()
    with smtp_server(port) as inbox:
        code = main(["report", str(with_mail(shop, port)), "--day", DAY.isoformat(), "-o", str(tmp_path), "--mail"])
    assert code == 0
    assert capsys.readouterr().out.splitlines()[-1] == "mailed to boss@example.com"
    (rcpt, raw), = inbox.messages
    msg = message_from_bytes(raw, policy=policy.default)
    assert rcpt == ["boss@example.com"]
    (attachment,) = msg.iter_attachments()
    assert attachment.get_content() == (tmp_path / "simulated-corner-shop-2026-03-07.pdf").read_bytes()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--day", "2026-02-30"], "argument --day: not a date YYYY-MM-DD: '2026-02-30'"),
        (["--day", "1970-01-02"], "argument --day: '1970-01-02' is out of range: give a day from 1970-01-08 on"),
        (["--mail"], "--mail needs a reports.email section (smtp_host, from, to)"),
    ],
)
def test_bad_arguments_give_one_line(shop, tmp_path, capsys, args, message):
    assert main(["report", str(shop), "-o", str(tmp_path), *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("storelens: error:") and message in err, err


def test_mail_server_down_is_one_line_and_the_files_are_kept(shop, tmp_path, capsys):
    config = with_mail(shop, free_port())
    assert main(["report", str(config), "--day", DAY.isoformat(), "-o", str(tmp_path), "--mail"]) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and "cannot reach the mail server 127.0.0.1:" in captured.err
    assert (tmp_path / "simulated-corner-shop-2026-03-07.pdf").is_file()
