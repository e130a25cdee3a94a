"""`scc doctor`: is this machine ready to run sandboxes?

Each check is real: the policy check resolves the policy a session would get;
the isolation check creates an internal network and probes its gateway from
inside; the canaries run a short enforced session and expect the guard to
block a force push and the proxy to refuse a host not on the allowlist (a
`.invalid` name, refused before any lookup, so nothing leaves). The canary
session keeps its state in a temporary dir: `scc audit` never shows it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import click

from scc import __version__
from scc import session as ids
from scc.engine import connect
from scc.errors import SccError

MIN_API = (1, 41)
LABEL_DOCTOR = "io.scc.doctor"
PROVIDERS = ("claude", "codex")
CANARY_MODE = "web-egress-enforced"
CANARY_HOST = "denied.scc-doctor.invalid"
CANARY = (
    "git init -q /tmp/canary && cd /tmp/canary && "
    "git push --force origin main >/dev/null 2>&1; echo guard=$?; "
    "python3 -c 'import urllib.request as u\n"
    'try:\n u.urlopen("http://' + CANARY_HOST + '/", timeout=5)\n'
    'except Exception as e: print("proxy=" + str(getattr(e, "code", e)))\''
)


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    skipped: bool = False

    @property
    def mark(self) -> str:
        return "-   " if self.skipped else "ok  " if self.ok else "FAIL"


@click.command("doctor")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option(
    "--provider",
    type=click.Choice(PROVIDERS),
    default="claude",
    help="Provider image to run the canaries in.",
)
def doctor(as_json: bool, provider: str) -> None:
    """Check the engine, network isolation, images, the guard and the proxy."""
    checks = list(run_checks(provider))
    if as_json:
        click.echo(json.dumps([asdict(c) for c in checks], indent=2))
    else:
        for check in checks:
            click.echo(f"{check.mark}  {check.name}: {check.detail}")
    if not all(c.ok or c.skipped for c in checks):
        raise SystemExit(1)


def run_checks(provider: str) -> Iterator[Check]:
    policy = _guarded("policy", lambda: _policy(provider))
    yield policy
    try:
        client = connect()
    except SccError as exc:
        yield Check("engine", False, exc.message)
        return
    engine = _engine(client)
    yield engine
    if not engine.ok:
        return
    images = list(_images(client))
    yield from images
    agent_image = f"scc-{provider}:{__version__}"
    if not all(
        c.ok for c in images if c.name in (f"image {agent_image}", "image scc-proxy")
    ):
        return
    yield _guarded("gateway isolation", lambda: _isolation(client, agent_image))
    if not policy.ok:
        yield Check("canaries", False, "skipped: the policy does not load", True)
        return
    yield from _canaries(client, provider)


def _guarded(name: str, check: Callable[[], Check]) -> Check:
    try:
        return check()
    except SccError as exc:
        return Check(name, False, exc.message)
    except Exception as exc:  # a doctor reports; it does not crash
        return Check(name, False, f"{type(exc).__name__}: {exc}")


def _policy(provider: str) -> Check:
    """The policy the canary session gets (a workspace without `.scc.yaml`)."""
    from scc.merge import resolve_session

    with tempfile.TemporaryDirectory(prefix="scc-doctor-") as empty:
        settings = resolve_session(Path(empty), provider=provider, network=CANARY_MODE)
    mode = settings.policy.network_mode.value
    return Check("policy", True, f"loads; {settings.provider} in {mode}")


def _engine(client: Any) -> Check:
    version = client.version()
    api = tuple(int(p) for p in version["ApiVersion"].split("."))
    detail = f"Docker {version['Version']} (API {version['ApiVersion']})"
    if api < MIN_API:
        return Check("engine", False, f"{detail}; need API 1.41 or newer")
    return Check("engine", True, detail)


def _images(client: Any) -> Iterator[Check]:
    import docker.errors

    for name in (*PROVIDERS, "proxy"):
        image = f"scc-{name}:{__version__}"
        try:
            labels = client.images.get(image).labels or {}
        except docker.errors.ImageNotFound:
            yield Check(f"image {image}", False, "missing; run `scc image build`")
            continue
        guard = labels.get("io.scc.guard.version", "?")
        ok = guard == __version__
        detail = f"guard {guard}" + ("" if ok else f", expected {__version__}")
        yield Check(f"image {image}", ok, detail)


def _isolation(client: Any, image: str) -> Check:
    """An internal network as sessions make it; its gateway must not answer."""
    from scc.sandbox import FAST_ARP, HARDENING, INTERNAL_OPTIONS, PRELUDE, PRELUDE_PATH

    name = f"scc-doctor-{ids.new_session_id()}"
    labels = {**ids.extra_labels(), ids.LABEL_ROLE: "network", LABEL_DOCTOR: "1"}
    network = client.networks.create(
        name, driver="bridge", internal=True, options=INTERNAL_OPTIONS, labels=labels
    )
    try:
        gateway = network.attrs["IPAM"]["Config"][0]["Gateway"]
        output = client.containers.run(
            image,
            ["-I", "-S", PRELUDE_PATH, "probe", gateway, "--", "true"],
            entrypoint=["/usr/bin/python3"],
            user="65534:65534",
            network=name,
            sysctls=FAST_ARP,
            volumes={str(PRELUDE): {"bind": PRELUDE_PATH, "mode": "ro"}},
            labels=labels,
            remove=True,
            stderr=True,
            use_config_proxy=False,
            **HARDENING,
        )
    except Exception as exc:
        stderr = getattr(exc, "stderr", b"") or b""
        detail = stderr.decode(errors="replace").strip() or str(exc)
        return Check("gateway isolation", False, detail)
    finally:
        network.remove()
    del output
    return Check("gateway isolation", True, f"host unreachable at {gateway}")


def _canaries(client: Any, provider: str) -> Iterator[Check]:
    """One real enforced session; its state volume is the canary's own, removed
    after (a distinct label gives it a distinct name, never the user's)."""
    mark = f"{LABEL_DOCTOR}={ids.new_session_id()}"
    labels = ",".join(filter(None, (os.environ.get("SCC_LABELS", ""), mark)))
    with _scratch_workspace() as workspace:
        try:
            proc = _canary_session(workspace, provider, labels)
        finally:
            for volume in client.volumes.list(filters={"label": mark}):
                with contextlib.suppress(Exception):  # reported by `scc prune`
                    volume.remove(force=True)
    lines = dict(line.split("=", 1) for line in proc.stdout.splitlines() if "=" in line)
    tail = (proc.stderr.strip().splitlines() or [""])[-1]
    if not lines:
        detail = f"the canary session did not run (exit {proc.returncode}): {tail}"
        yield Check("canaries", False, detail)
        return
    guard = lines.get("guard")
    yield Check(
        "guard canary",
        guard not in (None, "0"),
        "force push blocked" if guard not in (None, "0") else f"not blocked {tail}",
    )
    proxy = lines.get("proxy")
    yield Check(
        "proxy canary",
        proxy == "403",
        f"{CANARY_HOST} refused with 403" if proxy == "403" else f"got {proxy} {tail}",
    )


def _canary_session(
    workspace: Path, provider: str, labels: str
) -> subprocess.CompletedProcess[str]:
    argv = ["run", str(workspace), "--provider", provider]
    argv += ["--network", CANARY_MODE, "--", "sh", "-c", CANARY]
    state_home = tempfile.TemporaryDirectory(
        prefix="scc-doctor-state-", ignore_cleanup_errors=True
    )
    with state_home as state:
        return subprocess.run(
            [sys.executable, "-c", "from scc.cli import main; main()", *argv],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
            env={**os.environ, "SCC_LABELS": labels, "XDG_STATE_HOME": state},
        )


@contextmanager
def _scratch_workspace() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="scc-doctor-"))
    path.chmod(0o755)
    if os.getuid() == 0:
        os.chown(path, 65534, 65534)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
