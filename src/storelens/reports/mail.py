"""Mailing a report over SMTP: the HTML page as the body, the PDF attached.

The body's pictures travel as parts of the message (``cid:`` links) rather than the page's data:
URIs, which many mail programs block. The password is read from the environment variable the
config names, at the moment of sending: it is never written in a file storelens keeps.
"""

from __future__ import annotations

import base64
import os
import re
import smtplib
import socket
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from storelens.config import EmailConfig
from storelens.errors import ConfigError, DeliveryError, first_line

__all__ = ["report_message", "send_message", "smtp_password"]

_DATA_PNG = re.compile(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"')
_SOURCE = re.compile(r"<source [^>]*>")
"""The page's phone versions of its pictures: mail programs show the <img> of a <picture>."""


def smtp_password(email: EmailConfig) -> str | None:
    """The login's password from the environment (None without a login).

    Raises:
        ConfigError: ``password_env`` names a variable that is not set.
    """
    if email.password_env is None:
        return None
    password = os.environ.get(email.password_env)
    if password is None:
        raise ConfigError(
            f"reports.email.password_env: the environment variable {email.password_env} is not set; "
            "set it to the mail server password before starting storelens"
        )
    return password


def report_message(email: EmailConfig, subject: str, text: str, html: str, pdf: bytes, pdf_name: str) -> EmailMessage:
    """The mail of one report: text and HTML alternatives (pictures as related parts), PDF attached."""
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = email.sender
    msg["To"] = ", ".join(email.to)
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=email.sender.rpartition("@")[2].strip(">") or None)
    msg.set_content(text)
    pictures: list[tuple[str, bytes]] = []

    def as_cid(match: re.Match) -> str:
        cid = make_msgid(domain="storelens.report")
        pictures.append((cid, base64.b64decode(match.group(1))))
        return f'src="cid:{cid[1:-1]}"'

    msg.add_alternative(_DATA_PNG.sub(as_cid, _SOURCE.sub("", html)), subtype="html")
    body = msg.get_payload()[1]
    for cid, png in pictures:
        body.add_related(png, maintype="image", subtype="png", cid=cid)
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=pdf_name)
    return msg


def send_message(msg: EmailMessage, email: EmailConfig, password: str | None) -> list[str]:
    """Hand ``msg`` to the mail server for its recipients.

    Returns:
        Recipients the server refused while taking the message for the others (it is not sent
        again: they would get it twice).

    Raises:
        DeliveryError: The server cannot be reached, refuses the login, the sender or every
            recipient, or the connection fails; the message says which, on one line.
    """
    where = f"{email.smtp_host}:{email.port}"
    context = ssl.create_default_context()
    try:
        if email.security == "ssl":
            smtp = smtplib.SMTP_SSL(email.smtp_host, email.port, timeout=email.timeout_s, context=context)
        else:
            smtp = smtplib.SMTP(email.smtp_host, email.port, timeout=email.timeout_s)
        with smtp:
            if email.security == "starttls":
                smtp.starttls(context=context)
            if email.username is not None:
                smtp.login(email.username, password or "")
            refused = smtp.send_message(msg)
    except smtplib.SMTPAuthenticationError as err:
        raise DeliveryError(f"{where} refused the login of {email.username!r}: {_reply(err)}") from None
    except smtplib.SMTPRecipientsRefused as err:
        raise DeliveryError(f"{where} refused every recipient: {', '.join(err.recipients)}") from None
    except smtplib.SMTPResponseException as err:
        raise DeliveryError(f"{where} answered {err.smtp_code}: {_reply(err)}") from None
    except smtplib.SMTPNotSupportedError as err:
        raise DeliveryError(f"{where} does not support {first_line(err)}: check reports.email.security") from None
    except socket.gaierror as err:
        raise DeliveryError(f"cannot find the mail server {email.smtp_host!r}: {err.strerror or err}") from None
    except ssl.SSLError as err:
        raise DeliveryError(f"TLS with {where} failed: {err.reason or first_line(err)}") from None
    except (OSError, smtplib.SMTPException) as err:
        reason = err.strerror if isinstance(err, OSError) and err.strerror else first_line(err)
        raise DeliveryError(f"cannot reach the mail server {where}: {reason}") from None
    return sorted(refused)


def _reply(err: smtplib.SMTPResponseException) -> str:
    text = err.smtp_error.decode("utf-8", "replace") if isinstance(err.smtp_error, bytes) else str(err.smtp_error)
    return first_line(Exception(text)) if text.strip() else str(err.smtp_code)
