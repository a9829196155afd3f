"""`make lab`: JupyterLab serves the notebooks folder and can start the `etwin` kernel.

Starts a real server on a free loopback port with a random token, talks to its REST API, shuts
it down.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from jupyter_client import BlockingKernelClient

from etwin_analysis.paths import NOTEBOOKS_DIR

JUPYTER = Path(sys.executable).parent / "jupyter"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api(base: str, token: str, path: str, method: str = "GET", body: dict | None = None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(
        f"{base}{path}",
        data=data,
        method=method,
        headers={"Authorization": f"token {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        raw = resp.read()
        return resp.status, (json.loads(raw) if raw else None)


@pytest.fixture
def lab(tmp_path):
    if not JUPYTER.exists():
        pytest.skip(f"{JUPYTER} not found")
    port, token = free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    log = open(tmp_path / "lab.log", "w")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(
        [
            str(JUPYTER),
            "lab",
            "--no-browser",
            f"--port={port}",
            "--port-retries=0",
            f"--IdentityProvider.token={token}",
            "--ServerApp.ip=127.0.0.1",
            f"--notebook-dir={NOTEBOOKS_DIR}",
            *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if api(base, token, "/api/status")[0] == 200:
                    break
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail("JupyterLab did not start:\n" + (tmp_path / "lab.log").read_text())
            time.sleep(0.5)
        yield base, token, tmp_path / "runtime"
    finally:
        try:
            api(base, token, "/api/shutdown", method="POST")
            proc.wait(20)
        except Exception:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(20)
        log.close()


def test_lab_lists_notebooks_and_starts_the_etwin_kernel(lab):
    base, token, runtime = lab
    status, listing = api(base, token, "/api/contents/")
    assert status == 200
    listed = {item["name"] for item in listing["content"] if item["type"] == "notebook"}
    on_disk = {p.name for p in NOTEBOOKS_DIR.glob("*.ipynb")}
    assert on_disk and on_disk <= listed

    status, specs = api(base, token, "/api/kernelspecs")
    assert "etwin" in specs["kernelspecs"], "run `make env` to register the etwin kernel"

    outputs: list = []
    status, kernel = api(base, token, "/api/kernels", method="POST", body={"name": "etwin"})
    assert status == 201 and kernel["name"] == "etwin"
    try:
        # The server only tracks the state it hears about; talk to the kernel it started
        # directly (its connection file is in the server's runtime dir) to prove it runs, and
        # runs this environment's Python.
        connection = runtime / f"kernel-{kernel['id']}.json"
        deadline = time.monotonic() + 60
        while not connection.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        client = BlockingKernelClient(connection_file=str(connection))
        client.load_connection_file()
        client.start_channels()
        try:
            client.wait_for_ready(timeout=60)
            reply = client.execute_interactive(
                "import sys; print(sys.prefix)", timeout=60, output_hook=outputs.append
            )
        finally:
            client.stop_channels()
        assert reply["content"]["status"] == "ok"
        printed = "".join(
            m["content"].get("text", "") for m in outputs if m["msg_type"] == "stream"
        )
        assert Path(printed.strip()).resolve() == Path(sys.prefix).resolve()
    finally:
        assert api(base, token, f"/api/kernels/{kernel['id']}", method="DELETE")[0] == 204


def test_lab_refuses_requests_without_the_token(lab):
    base, _, _ = lab
    with pytest.raises(urllib.error.HTTPError) as exc:
        api(base, "wrong-token", "/api/contents/")
    assert exc.value.code == 403
