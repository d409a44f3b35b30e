"""CA bundles from the environment: a server signed by a private CA, on 127.0.0.1 over TLS.

``REQUESTS_CA_BUNDLE`` / ``CURL_CA_BUNDLE`` / ``SSL_CERT_FILE`` were ignored by
both clients (requests with ``trust_env`` off, aiohttp with its default
context); they are read once at construction and passed to the transport.
"""

from __future__ import annotations

import http.server
import json
import shutil
import ssl
import subprocess
from pathlib import Path
from typing import Any, Iterator, Tuple

import pytest

from openai_accel import APIConnectionError

from ..helpers import chat_body
from ..local_server import serving

CA_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE")


class _ChatHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        body = json.dumps(chat_body("over TLS")).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def tls_server(certificate: Tuple[Path, Path]) -> Iterator[str]:
    cert, key = certificate
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _ChatHandler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    with serving(server):
        yield f"https://127.0.0.1:{server.server_address[1]}/v1"


@pytest.fixture
def no_ca_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in CA_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.parametrize("variable", CA_VARIABLES)
def test_the_ca_bundle_variable_is_honoured(
    make_api: Any, tls_server: str, certificate: Any, no_ca_env: Any, variable: str
) -> None:
    no_ca_env.setenv(variable, str(certificate[0]))
    api = make_api(base_url=tls_server, max_retries=0)
    assert api.call("chat", "Hi").content == "over TLS"


def test_the_ca_bundle_option_is_honoured(
    make_api: Any, tls_server: str, certificate: Any, no_ca_env: Any
) -> None:
    api = make_api(base_url=tls_server, max_retries=0, ca_bundle=str(certificate[0]))
    assert api.call("chat", "Hi").content == "over TLS"


def test_an_unknown_ca_is_refused(make_api: Any, tls_server: str, no_ca_env: Any) -> None:
    api = make_api(base_url=tls_server, max_retries=0)
    with pytest.raises(APIConnectionError):
        api.call("chat", "Hi")
