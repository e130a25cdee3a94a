"""The sandbox of one session: its plan, and creating and removing it in Docker.

`plan_session` decides everything (names, mounts, environment, networks) without
touching Docker, so `--dry-run` prints exactly what would be created.
`Sandbox` then creates the objects in order and removes them again whatever
happens; objects of sessions whose `scc` died are found by label by `prune`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from scc_guard.policy import AUDIT_DIR, POLICY_PATH, NetworkMode

from scc import __version__
from scc import session as ids
from scc.early import EarlyNetwork
from scc.errors import PolicyBlocked, SccError
from scc.gitmeta import ensure_mount_points, refuse_unsafe_git
from scc.managed import MANAGED_DIR, image_settings, managed_files
from scc.merge import SessionSettings
from scc.workspace import agent_identity

log = logging.getLogger(__name__)

PROXY_PORT = 3128
CA_PATH = "/etc/scc/ca.crt"
CA_VARIABLES = (
    "NODE_EXTRA_CA_CERTS",
    "SSL_CERT_FILE",
    "REQUESTS_CA_BUNDLE",
    "CODEX_CA_CERTIFICATE",
    "GIT_SSL_CAINFO",
)
PASSED_VARIABLES = ("TERM", "COLORTERM", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "NO_COLOR")
AGENT_HOME = "/home/agent"
STATE_PATHS = {"claude": f"{AGENT_HOME}/.claude", "codex": f"{AGENT_HOME}/.codex"}
STATE_VARIABLES = {"claude": "CLAUDE_CONFIG_DIR", "codex": "CODEX_HOME"}
RELAY_DIR = "/run/scc-relay"
RELAY_SOCKET = f"{RELAY_DIR}/proxy.sock"
SQUID_CONF = "/etc/squid/scc/squid.conf"
PRELUDE = Path(__file__).with_name("prelude.py")
PRELUDE_PATH = "/usr/lib/scc/prelude.py"
PROXY_ADDRESS = "/run/scc/proxy-address"
HARDENING: dict[str, Any] = {
    "cap_drop": ["ALL"],
    "security_opt": ["no-new-privileges"],
    "read_only": True,
    "init": True,
    "pids_limit": 512,
    "mem_limit": "4g",
}
# Fail fast on the dead gateway of an internal network: one ARP try, 50 ms
# (the host answers within about a millisecond; the prelude's probe waits
# this long, and 10 ms more).
FAST_ARP = {
    "net.ipv4.neigh.eth0.mcast_solicit": "1",
    "net.ipv4.neigh.eth0.retrans_time_ms": "50",
}
REDACTED = "<redacted>"
LABEL_OWNED = "io.scc.state.owned"
# Engine 20.10 (API 1.41): an internal bridge without an address on the host
# side, so the host does not answer at the gateway. Probed at every start.
INTERNAL_OPTIONS = {"com.docker.network.bridge.inhibit_ipv4": "true"}
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")


@dataclass
class Mount:
    target: str
    source: str = ""
    kind: str = "bind"  # bind | volume | tmpfs
    read_only: bool = False
    options: str = ""


@dataclass
class ContainerPlan:
    name: str
    role: str
    image: str
    command: list[str]
    user: str
    network: str  # a network name, "none", or "container:<name>"
    env: dict[str, str] = field(default_factory=dict)
    mounts: list[Mount] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    tty: bool = False
    sysctls: dict[str, str] = field(default_factory=dict)


@dataclass
class NetworkPlan:
    name: str
    internal: bool
    labels: dict[str, str]
    options: dict[str, str] = field(default_factory=dict)


@dataclass
class VolumePlan:
    name: str
    labels: dict[str, str]
    driver_opts: dict[str, str] = field(default_factory=dict)
    keep: bool = False  # agent state outlives the session


@dataclass
class Plan:
    session: str
    mode: str
    provider: str
    workspace: str
    uid: int
    gid: int
    allowed_hosts: list[str]
    audit_dir: str
    egress_network: str | None
    networks: list[NetworkPlan]
    volumes: list[VolumePlan]
    proxy: ContainerPlan | None
    relay: ContainerPlan | None
    agent: ContainerPlan
    secrets: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        data = asdict(self)
        for name in self.secrets:
            data["agent"]["env"][name] = REDACTED
        data.pop("secrets")
        return json.dumps(data, indent=2)


def state_volume_name(provider: str, uid: int) -> str:
    """Per user and provider; distinct under other SCC_LABELS (tests, CI)."""
    extra = ",".join(f"{k}={v}" for k, v in sorted(ids.extra_labels().items()))
    suffix = f"-{hashlib.sha256(extra.encode()).hexdigest()[:8]}" if extra else ""
    return f"scc-state-{provider}-{uid}{suffix}"


def plan_session(
    settings: SessionSettings,
    workspace: Path,
    command: list[str],
    *,
    interactive: bool,
    session: str | None = None,
) -> Plan:
    sid = session or ids.new_session_id()
    uid, gid = agent_identity(workspace)
    mode = settings.policy.network_mode
    egress = settings.egress_network
    common = {**ids.session_labels(sid, workspace), ids.LABEL_MODE: mode.value}
    audit = ids.session_dir(sid)
    plan = Plan(
        session=sid,
        mode=mode.value,
        provider=settings.provider,
        workspace=str(workspace),
        uid=uid,
        gid=gid,
        allowed_hosts=list(_allowed_hosts(settings)),
        audit_dir=str(audit),
        egress_network=egress if mode is not NetworkMode.OPEN else None,
        networks=[],
        volumes=[],
        proxy=None,
        relay=None,
        agent=_agent_plan(settings, workspace, command, sid, uid, gid, interactive),
    )
    plan.agent.labels = ids.labels(sid, "agent", **common)
    plan.secrets = sorted(settings.credentials)
    plan.volumes.append(_state_volume(settings.provider, uid, sid))
    _plan_network(plan, settings, common)
    return plan


def outside_network(session: str, workspace: Path) -> NetworkPlan:
    """The session's network with a way out: the agent's in open mode, the
    proxy's outside leg otherwise. It is the same in every mode, so it can be
    created before the policy has decided the mode (see `scc.early`)."""
    name = ids.outside_network_name(session)
    return NetworkPlan(name, False, ids.network_labels(session, workspace))


def _allowed_hosts(settings: SessionSettings) -> tuple[str, ...]:
    if settings.policy.network_mode is NetworkMode.LOCKED:
        return settings.provider_hosts
    hosts = dict.fromkeys((*settings.provider_hosts, *settings.policy.allowed_hosts))
    return tuple(hosts)


def _agent_plan(
    settings: SessionSettings,
    workspace: Path,
    command: list[str],
    sid: str,
    uid: int,
    gid: int,
    interactive: bool,
) -> ContainerPlan:
    run = ids.session_dir(sid) / "run"
    state = STATE_PATHS.get(settings.provider, f"{AGENT_HOME}/.{settings.provider}")
    env = {name: os.environ[name] for name in PASSED_VARIABLES if name in os.environ}
    env |= {"HOME": AGENT_HOME, "USER": "agent", "SCC_SESSION": sid}
    if settings.provider in STATE_VARIABLES:
        env[STATE_VARIABLES[settings.provider]] = state
    env |= settings.credentials
    mounts = [
        Mount(str(workspace), str(workspace)),
        *_git_protection(workspace),
        Mount(POLICY_PATH, str(run / "policy.json"), read_only=True),
        Mount(PRELUDE_PATH, str(PRELUDE), read_only=True),
        Mount(
            f"{AUDIT_DIR}/{ids.GUARD_AUDIT}", str(ids.session_dir(sid) / "guard.jsonl")
        ),
        Mount("/tmp", kind="tmpfs", options="rw,nosuid,nodev,size=1g"),
        Mount(
            AGENT_HOME,
            kind="tmpfs",
            options=f"rw,nosuid,nodev,size=512m,uid={uid},gid={gid},mode=0700",
        ),
        Mount(state, state_volume_name(settings.provider, uid), kind="volume"),
    ]
    if settings.ca_cert:
        mounts.append(Mount(CA_PATH, str(settings.ca_cert.resolve()), read_only=True))
        env |= dict.fromkeys(CA_VARIABLES, CA_PATH)
    if settings.provider == "claude":
        mounts += [
            Mount(f"{MANAGED_DIR}/{name}", str(run / f"claude-{name}"), read_only=True)
            for name in managed_files({}, settings.agent_settings)
        ]
    argv = command or [settings.provider]
    return ContainerPlan(
        name=f"scc-{sid}-agent",
        role="agent",
        image=settings.image or f"scc-{settings.provider}:{__version__}",
        command=["tty", "--", *argv] if interactive else ["--", *argv],
        user=f"{uid}:{gid}",
        network="",
        env=env,
        mounts=mounts,
        tty=interactive,
    )


def _git_protection(workspace: Path) -> list[Mount]:
    """`.git` a mount point (so it cannot be renamed or replaced), `.git/hooks`
    and `.git/config` read-only, so nothing planted runs on the host."""
    refuse_unsafe_git(workspace)
    git = workspace / ".git"
    if not git.is_dir():
        return []
    return [
        Mount(str(git), str(git)),
        Mount(str(git / "hooks"), str(git / "hooks"), read_only=True),
        Mount(str(git / "config"), str(git / "config"), read_only=True),
    ]


def _state_volume(provider: str, uid: int, sid: str) -> VolumePlan:
    return VolumePlan(
        name=state_volume_name(provider, uid),
        labels={
            **ids.extra_labels(),
            ids.LABEL_ROLE: "state",
            ids.LABEL_UID: str(uid),
            LABEL_OWNED: "1",
        },
        keep=True,
    )


def _plan_network(
    plan: Plan, settings: SessionSettings, common: dict[str, str]
) -> None:
    sid, agent = plan.session, plan.agent
    outside = outside_network(sid, Path(plan.workspace))
    net_labels = outside.labels
    if plan.mode == NetworkMode.OPEN:
        plan.networks.append(outside)
        agent.network = outside.name
        return
    if not plan.allowed_hosts and plan.mode == NetworkMode.LOCKED:
        raise PolicyBlocked(
            f"locked-down-web needs the provider's API hosts and {plan.provider} "
            "names none; refusing rather than running without a model API"
        )
    if not plan.egress_network:
        plan.networks.append(outside)
    way_out = plan.egress_network or outside.name
    plan.proxy = _proxy_plan(plan, settings, way_out, common)
    proxy_env = "http://{proxy}:" + str(PROXY_PORT)
    if plan.mode == NetworkMode.ENFORCED:
        inside = f"scc-{sid}-int"
        plan.networks.append(
            NetworkPlan(
                inside,
                True,
                net_labels,
                dict(INTERNAL_OPTIONS),
            )
        )
        agent.network = inside
        agent.sysctls = dict(FAST_ARP)
        agent.mounts.append(
            Mount(
                "/etc/resolv.conf",
                str(Path(plan.audit_dir, "run/resolv.conf")),
                read_only=True,
            )
        )
        agent.mounts.append(
            Mount(
                PROXY_ADDRESS,
                str(Path(plan.audit_dir, "run/proxy-address")),
                read_only=True,
            )
        )
        agent.command[:0] = ["probe", "{gateway}", "proxy", PROXY_ADDRESS, "3128"]
    else:
        relay = f"scc-{sid}-relay"
        opts = f"size=1m,uid={plan.uid},gid={plan.gid},mode=0700"
        plan.volumes.append(
            VolumePlan(
                relay,
                ids.labels(sid, "network", **common),
                {"type": "tmpfs", "device": "tmpfs", "o": opts},
            )
        )
        plan.relay = ContainerPlan(
            name=f"scc-{sid}-relay",
            role="proxy",
            image=plan.proxy.image,
            command=[
                f"UNIX-LISTEN:{RELAY_SOCKET},fork,mode=600",
                f"TCP:127.0.0.1:{PROXY_PORT}",
            ],
            user=f"{plan.uid}:{plan.gid}",
            network=f"container:{plan.proxy.name}",
            mounts=[Mount(RELAY_DIR, relay, kind="volume")],
            labels=ids.labels(sid, "proxy", **common),
        )
        agent.network = "none"
        agent.mounts.append(Mount(RELAY_DIR, relay, kind="volume"))
        agent.command[:0] = [
            "wait-path",
            RELAY_SOCKET,
            "relay-tcp",
            "3128",
            RELAY_SOCKET,
        ]
        proxy_env = f"http://127.0.0.1:{PROXY_PORT}"
    for name in PROXY_VARIABLES:
        agent.env[name] = proxy_env
    agent.env["NO_PROXY"] = agent.env["no_proxy"] = "localhost,127.0.0.1,::1"


def _proxy_plan(
    plan: Plan, settings: SessionSettings, outside: str, common: dict[str, str]
) -> ContainerPlan:
    run = Path(plan.audit_dir, "run")
    return ContainerPlan(
        name=f"scc-{plan.session}-proxy",
        role="proxy",
        image=os.environ.get("SCC_PROXY_IMAGE") or f"scc-proxy:{__version__}",
        command=[],
        user="",
        network=outside,
        mounts=[
            Mount(SQUID_CONF, str(run / "squid.conf"), read_only=True),
            Mount(
                f"{AUDIT_DIR}/{ids.PROXY_AUDIT}",
                str(Path(plan.audit_dir, ids.PROXY_AUDIT)),
            ),
            Mount("/tmp", kind="tmpfs", options="rw,nosuid,nodev,size=64m"),
            Mount(
                "/var/run/squid",
                kind="tmpfs",
                options="rw,nosuid,nodev,size=1m,uid=13,gid=13",
            ),
            Mount(
                "/var/cache/squid",
                kind="tmpfs",
                options="rw,nosuid,nodev,size=1m,uid=13,gid=13",
            ),
        ],
        labels=ids.labels(plan.session, "proxy", **common),
    )


class SandboxError(SccError):
    """Docker refused to create part of the sandbox."""


class SessionStopped(SccError):
    """The session was removed from outside (`scc stop`) while it ran."""

    exit_code = 143
    MESSAGE = "the session was stopped from outside"


def agent_exit_code(agent: Any) -> int:
    import docker.errors

    try:
        return int(agent.wait()["StatusCode"])
    except docker.errors.NotFound:
        raise SessionStopped(SessionStopped.MESSAGE) from None


class Sandbox:
    """Creates a plan's objects in Docker and removes them again.

    The proxy side starts in a background thread while the agent container is
    created and started; the agent's prelude waits for the proxy's address
    (a file the host fills in) and port, so neither waits for the other here.
    """

    def __init__(
        self,
        client: Any,
        plan: Plan,
        settings: SessionSettings,
        early: EarlyNetwork | None = None,
    ) -> None:
        self.client = client
        self.plan = plan
        self.settings = settings
        self.early = early
        self.agent: Any = None
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="scc")
        self._proxy: Future[None] | None = None
        self._sidecars: Future[list[str | None]] | None = None
        self._networks: Future[list[str]] | None = None
        self._made: list[Future[None]] = []  # network creations
        self._containers_gone = threading.Event()

    def create(self) -> Any:
        """Everything up to a created (not started) agent; the proxy is starting.

        The proxy starts on its outside network as soon as its configuration
        is written and joins the internal network once that exists: it is
        the slowest part, and the agent's prelude waits for it.
        """
        with _docker_errors():
            managed = self._pool.submit(self._image_settings)
            early = self.early.name if self.early else None
            if self.early and early not in {n.name for n in self.plan.networks}:
                # The org's own network is the way out (egress_network).
                self._pool.submit(self.early.discard)
                self.early = None
            networks = [
                self._pool.submit(self._network, network)
                for network in self.plan.networks
                if network.name != early
            ]
            self._made = networks
            self._write_files()
            for volume in self.plan.volumes:
                self._volume(volume)
            if self.plan.proxy:
                self._proxy = self._pool.submit(self._start_proxy, networks)
            for network in networks:
                network.result()
            if self.early:
                self.early.wait()
            values = {"gateway": self._gateway()} if self._internal() else {}
            self._write_managed(managed.result())
            self.agent = self._container(self.plan.agent, values)
        return self.agent

    def ready(self) -> None:
        """Raise if the proxy side failed to start (call after starting the agent)."""
        if self._proxy is not None:
            with _docker_errors():
                self._proxy.result()

    def agent_exited(self) -> None:
        """The agent's output has ended: start taking the session apart while
        the engine settles the agent's exit (the proxy side, the networks)."""
        if self._networks is not None:
            return
        if self._proxy is not None:
            self._sidecars = self._pool.submit(self._remove_sidecars)
        self._networks = self._pool.submit(self._remove_networks)

    def remove(self) -> None:
        """Remove what this session created, by name, as early as the engine
        allows each; never raises.

        A network goes as soon as no container is on it: the agent's endpoint
        is released while the engine is still settling its exit, and the
        proxy leaves the networks before it is removed. Removing a network
        runs iptables commands one at a time, so it is the slowest part.
        """
        self.agent_exited()
        assert self._networks is not None
        plan = self.plan
        volumes = [v.name for v in plan.volumes if not v.keep]
        self._remove_container(plan.agent.name)
        if self._sidecars is not None:
            with contextlib.suppress(Exception):
                self._sidecars.result(timeout=60)
        self._containers_gone.set()
        with contextlib.suppress(Exception):
            for name in self._networks.result(timeout=120):
                self._remove_network(name)  # one more try; `scc prune` finds it
        with ThreadPoolExecutor(max_workers=4, thread_name_prefix="scc-rm") as pool:
            list(pool.map(self._remove_volume, volumes))
        self._pool.shutdown(wait=True)
        ids.remove_session_dir(plan.session)

    def _network_names(self) -> list[str]:
        """The session's networks, once none is still being created (a
        creation cut short may still have created it: each is removed by
        name, and one that does not exist counts as removed)."""
        for creation in self._made:
            with contextlib.suppress(Exception):
                creation.result()
        names = [network.name for network in self.plan.networks]
        if self.early:
            self.early.settle()
            if self.early.name not in names:
                names.append(self.early.name)
        return names

    def _remove_networks(self) -> list[str]:
        """Remove each network once it is free; the names that stayed."""
        names = self._network_names()
        if not names:
            return []
        with ThreadPoolExecutor(len(names), thread_name_prefix="scc-net") as pool:
            gone = list(pool.map(self._remove_network_once_free, names))
        return [name for name, done in zip(names, gone, strict=True) if not done]

    def _remove_network_once_free(self, name: str) -> bool:
        import docker.errors

        deadline = time.monotonic() + 120
        while True:
            last = self._containers_gone.is_set() or time.monotonic() > deadline
            try:
                self.client.api.remove_network(name)
            except docker.errors.NotFound:
                return True
            except docker.errors.APIError as exc:
                if last or "active endpoints" not in str(exc):
                    log.debug("cannot remove %s yet: %s", name, exc)
                    return False
                self._containers_gone.wait(0.025)
                continue
            return True

    def _remove_sidecars(self) -> list[str | None]:
        if self._proxy is not None:
            with contextlib.suppress(Exception):
                self._proxy.result(timeout=30)  # created objects only once done
        if self.plan.proxy:
            # Off the networks first, so that they can go meanwhile.
            proxy = self.plan.proxy.name
            ours = [network.name for network in self.plan.networks]
            with ThreadPoolExecutor(max_workers=2) as pool:
                list(pool.map(lambda network: self._leave(proxy, network), ours))
        sidecars = [spec.name for spec in (self.plan.relay, self.plan.proxy) if spec]
        return [self._remove_container(name) for name in sidecars]

    def _leave(self, container: str, network: str) -> None:
        with contextlib.suppress(Exception):  # removing the container will do
            self.client.api.disconnect_container_from_network(
                container, network, force=True
            )

    def _remove_container(self, name: str) -> str | None:
        return _removed(
            name, lambda: self.client.api.remove_container(name, force=True)
        )

    def _remove_network(self, name: str) -> str | None:
        return _removed(name, lambda: self.client.api.remove_network(name))

    def _remove_volume(self, name: str) -> str | None:
        return _removed(name, lambda: self.client.api.remove_volume(name, force=True))

    def _internal(self) -> NetworkPlan | None:
        return next((n for n in self.plan.networks if n.internal), None)

    def _gateway(self) -> str:
        inside = self._internal()
        assert inside
        network = self.client.networks.get(inside.name)
        return str(network.attrs["IPAM"]["Config"][0]["Gateway"])

    def _write_files(self) -> None:
        audit = ids.create_session_dir(self.plan.session)
        if os.getuid() == 0:  # the agent appends to its audit as its own user
            os.chown(audit / ids.GUARD_AUDIT, self.plan.uid, self.plan.gid)
        run = audit / "run"
        run.mkdir(mode=0o755)
        policy = self.settings.policy.model_copy(
            update={
                "session": self.plan.session,
                "allowed_hosts": tuple(self.plan.allowed_hosts),
            }
        )
        (run / "policy.json").write_text(policy.model_dump_json(indent=2))
        (run / "resolv.conf").write_text(
            "# scc: no DNS inside the sandbox\noptions attempts:1 timeout:1\n"
        )
        if self.plan.proxy:
            from scc_guard.squid import render_squid_conf

            nameservers = os.environ.get("SCC_PROXY_DNS", "").split(",")
            conf = render_squid_conf(
                policy, dns_nameservers=[n for n in nameservers if n]
            )
            (run / "squid.conf").write_text(conf)
        (run / "proxy-address").touch()
        for path in run.iterdir():
            path.chmod(0o644)
        workspace = Path(self.plan.workspace)
        refuse_unsafe_git(workspace)
        if (workspace / ".git").is_dir():
            ensure_mount_points(workspace, self.plan.uid, self.plan.gid)

    def _image_settings(self) -> dict[str, Any] | None:
        if self.settings.provider != "claude":
            return None
        labels = ids.labels(self.plan.session, "state")
        return image_settings(self.client, self.plan.agent.image, labels)

    def _write_managed(self, image: dict[str, Any] | None) -> None:
        """Claude Code's managed files: the image's settings keep the guard hook."""
        if image is None:
            return
        run = Path(self.plan.audit_dir, "run")
        for name, content in managed_files(image, self.settings.agent_settings).items():
            path = run / f"claude-{name}"
            path.write_text(json.dumps(content, indent=2))
            path.chmod(0o644)

    def _volume(self, volume: VolumePlan) -> None:
        import docker.errors

        if volume.keep:
            try:
                found = self.client.volumes.get(volume.name)
            except docker.errors.NotFound:
                pass
            else:
                if LABEL_OWNED not in (found.attrs.get("Labels") or {}):
                    self._chown_state(volume.name)  # made before owners were set
                return
        self.client.volumes.create(
            name=volume.name,
            labels=volume.labels,
            driver_opts=volume.driver_opts or None,
        )
        if volume.keep:
            try:
                self._chown_state(volume.name)
            except docker.errors.DockerException:
                self.client.volumes.get(volume.name).remove(force=True)
                raise

    def _chown_state(self, name: str) -> None:
        """A new state volume belongs to root; a short root helper hands it over."""
        from docker.types import Mount as DockerMount

        state = next(m.target for m in self.plan.agent.mounts if m.source == name)
        owner = f"{self.plan.uid}:{self.plan.gid}"
        self.client.containers.run(
            self.plan.agent.image,
            ["sh", "-c", 'chown -R "$0" "$1" && chmod 0700 "$1"', owner, state],
            entrypoint=[],
            user="0:0",
            cap_drop=["ALL"],
            cap_add=["CHOWN", "FOWNER", "DAC_OVERRIDE", "DAC_READ_SEARCH"],
            security_opt=["no-new-privileges"],
            network_mode="none",
            mounts=[DockerMount(state, name, type="volume", no_copy=True)],
            labels=ids.labels(self.plan.session, "state"),
            remove=True,
            use_config_proxy=False,
        )

    def _network(self, network: NetworkPlan) -> None:
        self.client.networks.create(
            network.name,
            driver="bridge",
            internal=network.internal,
            options=network.options or None,
            labels=network.labels,
            check_duplicate=True,
        )

    def _start_proxy(self, networks: list[Future[None]]) -> None:
        assert self.plan.proxy
        if self.early:
            self.early.wait()  # the proxy's way out
        proxy = self._container(self.plan.proxy, {})
        proxy.start()
        if self.plan.relay:
            self._container(self.plan.relay, {}).start()
        inside = self._internal()
        if inside:
            for network in networks:
                network.result()
            self.client.api.connect_container_to_network(proxy.id, inside.name)
            proxy.reload()
            address = proxy.attrs["NetworkSettings"]["Networks"][inside.name]
            with self._address_file().open("r+") as handoff:  # same inode: mounted
                handoff.write(address["IPAddress"] + "\n")

    def _address_file(self) -> Path:
        return Path(self.plan.audit_dir, "run", "proxy-address")

    def _container(self, spec: ContainerPlan, values: dict[str, str]) -> Any:
        command = spec.command
        entrypoint = None
        env = dict(spec.env)
        if spec.role == "agent":
            split = spec.command.index("--")
            steps = [_fill(step, values) for step in spec.command[:split]]
            if steps:
                command = ["-I", "-S", PRELUDE_PATH, *steps, *spec.command[split:]]
                entrypoint = ["/usr/bin/python3"]
            else:  # nothing to prepare: the command is the container's process
                entrypoint = spec.command[split + 1 : split + 2]
                command = spec.command[split + 2 :]
        elif spec is self.plan.relay:
            entrypoint = ["/bin/sh", "-c", _RELAY_SCRIPT, "relay"]
        mounts, tmpfs, volumes = _docker_mounts(spec.mounts)
        kwargs: dict[str, Any] = dict(HARDENING)
        if spec.role == "proxy" and spec is not self.plan.relay:
            kwargs["mem_limit"] = "512m"
        container = self.client.containers.create(
            spec.image,
            command or None,
            entrypoint=entrypoint,
            name=spec.name,
            user=spec.user or None,
            environment=env,
            labels=spec.labels,
            mounts=mounts,
            tmpfs=tmpfs,
            volumes=volumes,
            network_mode=spec.network
            if ":" in spec.network or spec.network == "none"
            else None,
            network=spec.network
            if spec.network and ":" not in spec.network and spec.network != "none"
            else None,
            tty=spec.tty,
            stdin_open=spec.tty,
            sysctls=spec.sysctls or None,
            working_dir=self.plan.workspace if spec.role == "agent" else None,
            hostname="sandbox"
            if spec.role == "agent" and spec.network != "none"
            else None,
            use_config_proxy=False,
            **kwargs,
        )
        return container


@contextmanager
def _docker_errors() -> Iterator[None]:
    import docker.errors

    try:
        yield
    except docker.errors.ImageNotFound as exc:
        raise SandboxError(
            f"image not found: {_image_of(exc)}; run `scc image build`"
        ) from exc
    except docker.errors.APIError as exc:
        raise SandboxError(f"Docker refused: {exc.explanation or exc}") from exc
    except docker.errors.ContainerError as exc:
        detail = (exc.stderr or b"").decode(errors="replace").strip()
        raise SandboxError(f"cannot prepare the agent's state: {detail}") from exc


def _fill(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


_RELAY_SCRIPT = (
    "i=0; until socat -u OPEN:/dev/null TCP:127.0.0.1:3128 2>/dev/null; do "
    'i=$((i+1)); [ $i -gt 200 ] && exit 1; sleep 0.05; done; exec socat "$@"'
)


def _docker_mounts(
    mounts: list[Mount],
) -> tuple[list[Any], dict[str, str], dict[str, Any]]:
    from docker.types import Mount as DockerMount

    binds: list[Any] = []
    tmpfs: dict[str, str] = {}
    volumes: dict[str, Any] = {}
    for mount in mounts:
        if mount.kind == "tmpfs":
            tmpfs[mount.target] = mount.options
        elif mount.kind == "volume":
            # no_copy: the image's directory must not be copied over the volume
            # again, which would also hand its root back to the image's owner.
            binds.append(
                DockerMount(
                    mount.target,
                    mount.source,
                    type="volume",
                    read_only=mount.read_only,
                    no_copy=True,
                )
            )
        else:
            binds.append(
                DockerMount(
                    mount.target, mount.source, type="bind", read_only=mount.read_only
                )
            )
    return binds, tmpfs, volumes


def _image_of(exc: Exception) -> str:
    text = str(getattr(exc, "explanation", "") or exc)
    return text.removeprefix("No such image: ")


def session_objects(
    client: Any, session: str | None = None, *, user: int | None = None
) -> dict[str, list[Any]]:
    """A session's objects, or all sessions'; only `user`'s if given."""
    selector = f"{ids.LABEL_SESSION}={session}" if session else ids.LABEL_SESSION
    wanted = [selector, *(f"{k}={v}" for k, v in ids.extra_labels().items())]
    if user is not None:
        wanted.append(f"{ids.LABEL_USER}={user}")
    filters = {"label": wanted}
    return {
        "containers": client.containers.list(all=True, sparse=True, filters=filters),
        "networks": client.networks.list(filters=filters),
        "volumes": client.volumes.list(filters=filters),
    }


def remove_session_objects(client: Any, session: str) -> list[str]:
    """Remove a session's containers, then its networks and volumes, each group
    at once; returns the names removed (or already gone)."""
    found = session_objects(client, session)
    with ThreadPoolExecutor(max_workers=4, thread_name_prefix="scc-rm") as pool:
        removed = list(pool.map(_remove, found["containers"]))
        removed += pool.map(_remove, [*found["networks"], *found["volumes"]])
    return [name for name in removed if name]


def _removed(name: str, removal: Callable[[], Any]) -> str | None:
    """Run one removal; the name if the object is gone, None if it stayed."""
    import docker.errors

    try:
        removal()
    except docker.errors.NotFound:
        pass
    except Exception as exc:  # teardown goes on; `scc prune` finds what stayed
        log.debug("cannot remove %s: %s", name, exc)
        return None
    return name


def _remove(obj: Any) -> str | None:
    import docker.errors

    try:
        if hasattr(obj, "kill"):  # a container
            obj.remove(force=True)
        else:
            obj.remove()
    except docker.errors.NotFound:
        pass
    except docker.errors.APIError as exc:
        log.debug("cannot remove %s: %s", obj.name, exc)
        return None
    return str(obj.name)
