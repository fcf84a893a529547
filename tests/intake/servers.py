"""Real mail servers for the intake tests: a throwaway Dovecot (IMAP) and aiosmtpd (SMTP).

Dovecot runs from Debian's package with its own configuration in a temporary directory:
unprivileged ports on 127.0.0.1, STARTTLS and implicit TLS with a self-signed
certificate made here with `cryptography`, users in a passwd-file, Maildir. If it cannot
start, the test fails with Dovecot's log; nothing is skipped. aiosmtpd requires STARTTLS
before AUTH and AUTH before MAIL, like a submission server, and keeps what it received.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from imapclient import IMAPClient


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost: (cert.pem, key.pem)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path


def client_context(cert: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(cert))


DOVECOT_CONF = """\
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
info_log_path = {base}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
auth_mechanisms = {mechanisms}
disable_plaintext_auth = yes
mail_location = maildir:~/Maildir
{users_block}
{oauth2_block}passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {base}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={base}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
service stats {{
  chroot =
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
namespace inbox {{
  inbox = yes
  separator = /
}}
"""


@dataclass
class Dovecot:
    base: Path
    cert: Path
    imap_port: int
    imaps_port: int
    users: dict[str, str]
    process: subprocess.Popen[bytes] | None = None

    def log(self) -> str:
        path = self.base / "dovecot.log"
        return path.read_text("utf-8", "replace") if path.exists() else "(no log)"

    def client(self, user: str) -> IMAPClient:
        client = IMAPClient("127.0.0.1", self.imap_port, ssl=False, timeout=10)
        client.starttls(client_context(self.cert))
        client.login(user, self.users[user])
        return client

    def append(self, user: str, *messages: bytes, folder: str = "INBOX") -> None:
        client = self.client(user)
        try:
            for raw in messages:
                client.append(folder, raw)
        finally:
            client.logout()

    def uids(self, user: str, folder: str) -> list[int]:
        client = self.client(user)
        try:
            if not client.folder_exists(folder):
                return []
            client.select_folder(folder, readonly=True)
            return sorted(client.search(["NOT", "DELETED"]))
        finally:
            client.logout()

    def message_ids(self, user: str, folder: str) -> list[str]:
        """The Message-ID header of every mail in `folder`, sorted (a double shows twice)."""
        client = self.client(user)
        try:
            client.select_folder(folder, readonly=True)
            uids = client.search(["NOT", "DELETED"])
            data = client.fetch(uids, ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"]) if uids else {}
            return sorted(
                v[b"BODY[HEADER.FIELDS (MESSAGE-ID)]"].decode().split(":", 1)[-1].strip()
                for v in data.values()
            )
        finally:
            client.logout()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        shutil.rmtree(self.base, ignore_errors=True)


OAUTH2_PASSDB = """passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {base}/oauth2.conf.ext
}}
"""
OAUTH2_CONF = """introspection_mode = post
introspection_url = {url}
username_attribute = username
active_attribute = active
active_value = true
"""


def start_dovecot(users: dict[str, str], *, introspection_url: str | None = None) -> Dovecot:
    """Dovecot with passwd-file users; with `introspection_url`, XOAUTH2 too, its tokens checked
    by RFC 7662 introspection at that URL (as Exchange Online checks the tokens msal gets)."""
    binary = shutil.which("dovecot") or ("/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None)
    if binary is None:
        pytest.fail(
            "Dovecot is not installed: run scripts/install-test-services (dovecot-imapd)", pytrace=False
        )
    # Dovecot's login and mail processes run as other users; the tree must be reachable for them,
    # so it lives in its own world-readable temporary directory rather than under pytest's 0700 one.
    base = Path(tempfile.mkdtemp(prefix="lagesbild-dovecot-"))
    base.chmod(0o755)
    for sub in ("run", "state", "home"):
        (base / sub).mkdir()
    cert, key = make_certificate(base)
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        uid, gid = nobody.pw_uid, nobody.pw_gid
        os.chown(base / "home", uid, gid)
        users_block = ""
    else:
        uid, gid = os.getuid(), os.getgid()
        me = pwd.getpwuid(uid).pw_name
        users_block = f"default_login_user = {me}\ndefault_internal_user = {me}\n"
    (base / "users").write_text("".join(f"{u}:{{PLAIN}}{p}::::::\n" for u, p in users.items()))
    server = Dovecot(base, cert, free_port(), free_port(), users)
    config = base / "dovecot.conf"
    oauth2_block, mechanisms = "", "plain login"
    if introspection_url:
        (base / "oauth2.conf.ext").write_text(OAUTH2_CONF.format(url=introspection_url))
        oauth2_block, mechanisms = OAUTH2_PASSDB.format(base=base), "plain login xoauth2 oauthbearer"
    config.write_text(
        DOVECOT_CONF.format(
            base=base,
            cert=cert,
            key=key,
            uid=uid,
            gid=gid,
            imap_port=server.imap_port,
            imaps_port=server.imaps_port,
            users_block=users_block,
            oauth2_block=oauth2_block,
            mechanisms=mechanisms,
        )
    )
    with (base / "stdout.log").open("wb") as out:
        server.process = subprocess.Popen(
            [binary, "-F", "-c", str(config)], stdout=out, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            output = (base / "stdout.log").read_text("utf-8", "replace")
            log = server.log()
            server.stop()
            pytest.fail(
                f"Dovecot did not start (exit {server.process.returncode}):\n{output}\n{log}", pytrace=False
            )
        try:
            with socket.create_connection(("127.0.0.1", server.imap_port), timeout=0.5):
                pass
            with socket.create_connection(("127.0.0.1", server.imaps_port), timeout=0.5):
                return server
        except OSError:
            time.sleep(0.05)
    log = server.log()
    server.stop()
    pytest.fail(f"Dovecot did not listen within 15 s:\n{log}", pytrace=False)


# -- SMTP -------------------------------------------------------------------------------


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    raw: bytes


@dataclass
class SmtpHandler:
    """Accepts mail; refuses scripted recipients with a code, like a real server would."""

    refuse: dict[str, tuple[int, str]] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)

    async def handle_RCPT(
        self, server: Any, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.lower() in self.refuse:
            code, text = self.refuse[address.lower()]
            return f"{code} {text}"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        raw = bytes(envelope.original_content or envelope.content or b"")
        message = message_from_bytes(raw, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(Received(str(envelope.mail_from), list(envelope.rcpt_tos), message, raw))
        return "250 2.0.0 Queued"


@dataclass
class SmtpServer:
    controller: Controller
    handler: SmtpHandler
    port: int
    cert: Path
    username: str
    password: str
    logins: list[str] = field(default_factory=list)


def start_smtp(directory: Path, *, username: str = "lagesbild", password: str = "smtp-hemligt") -> SmtpServer:
    cert, key = make_certificate(directory)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(str(cert), str(key))
    handler = SmtpHandler()
    logins: list[str] = []

    def authenticate(
        server: Any, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        if (
            isinstance(data, LoginPassword)
            and data.login.decode() == username
            and data.password.decode() == password
        ):
            logins.append(data.login.decode())
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    port = free_port()
    controller = Controller(
        handler, hostname="127.0.0.1", port=port, tls_context=tls, require_starttls=True,
        authenticator=authenticate, auth_required=True, auth_require_tls=True, decode_data=False,
    )  # fmt: skip
    controller.start()
    return SmtpServer(controller, handler, port, cert, username, password, logins)
