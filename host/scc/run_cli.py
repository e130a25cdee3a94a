"""The session commands: start, run, stop, list, prune, audit."""

from __future__ import annotations

import contextlib
import gc
import json
import os
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from scc import gitmeta
from scc import session as ids
from scc.audit import DenialWatcher, timeline
from scc.early import EarlyNetwork
from scc.engine import EngineUnreachable, connect
from scc.errors import PolicyBlocked, SccError
from scc.terminal import warn
from scc.workspace import HomeWorkspace, check_workspace, find_workspace

if TYPE_CHECKING:
    from scc.sandbox import Plan, Sandbox

# The policy's modules (pydantic, the layers) are imported inside `_session`,
# once the engine has been asked for the session's outside network: the
# engine creates it while this process is busy importing and merging.


def sandbox_options(func: Any) -> Any:
    options = [
        click.argument("path", required=False, type=click.Path(path_type=Path)),
        click.option("--provider", type=click.Choice(["claude", "codex"])),
        click.option(
            "--network",
            type=click.Choice(["open", "web-egress-enforced", "locked-down-web"]),
            help="Network mode (policy may forbid wider ones).",
        ),
        click.option(
            "--allow-host",
            "allow_hosts",
            multiple=True,
            metavar="HOST",
            help="Also allow HOST through the proxy, within policy.",
        ),
        click.option(
            "--ca-cert",
            type=click.Path(path_type=Path, dir_okay=False),
            help="Extra CA certificate (PEM) trusted inside the sandbox.",
        ),
        click.option("--image", help="Agent image to use instead of the provider's."),
        click.option(
            "--dry-run", is_flag=True, help="Print the plan as JSON; touch nothing."
        ),
        click.option(
            "--allow-home", is_flag=True, help="Allow a home directory as workspace."
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


RUN_USAGE = "give the command after --: scc run [PATH] -- COMMAND"
START_USAGE = "give the agent's arguments after --: scc start [PATH] -- AGENT ARGS"


class SessionCommand(click.Command):
    """Everything after the first `--` is the command, never PATH or options;
    a command given without the `--` is a usage error saying where it goes."""

    usage_hint = RUN_USAGE

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if "--" in args:
            split = args.index("--")
            args, ctx.meta["scc.command"] = args[:split], args[split + 1 :]
        else:
            ctx.meta["scc.command"] = []
        if len(self._words(args)) > 1:  # PATH and more: `scc run . ls -l`
            raise click.UsageError(self.usage_hint, ctx=ctx)
        return super().parse_args(ctx, args)

    def _words(self, args: list[str]) -> list[str]:
        """The arguments that are neither options nor an option's value."""
        valued = {
            name
            for param in self.params
            if isinstance(param, click.Option) and not param.is_flag
            for name in param.opts
        }
        words: list[str] = []
        value_next = False
        for arg in args:
            if value_next:
                value_next = False
            elif arg.startswith("-") and arg != "-":
                value_next = arg in valued
            else:
                words.append(arg)
        return words


class StartCommand(SessionCommand):
    usage_hint = START_USAGE


@click.command("run", cls=SessionCommand)
@sandbox_options
@click.pass_context
def run(ctx: click.Context, /, **options: Any) -> None:
    """Run a command in a sandbox, non-interactively: scc run [PATH] -- COMMAND..."""
    command = ctx.meta["scc.command"]
    if not command:
        raise click.UsageError(RUN_USAGE)
    sys.exit(_session(command, interactive=False, **options))


@click.command("start", cls=StartCommand)
@sandbox_options
@click.pass_context
def start(ctx: click.Context, /, **options: Any) -> None:
    """Start an interactive agent session: scc start [PATH] [-- AGENT ARGS]."""
    sys.exit(_session(ctx.meta["scc.command"], interactive=True, **options))


def _session(
    command: list[str],
    *,
    interactive: bool,
    path: Path | None,
    provider: str | None,
    network: str | None,
    allow_hosts: tuple[str, ...],
    ca_cert: Path | None,
    image: str | None,
    dry_run: bool,
    allow_home: bool,
) -> int:
    workspace = _workspace(path or find_workspace(Path.cwd()), allow_home, interactive)
    session = ids.new_session_id()
    # From the first object created to the last one removed, SIGTERM, SIGHUP
    # and SIGINT interrupt, and whatever exists by then is removed.
    with _signals_as_interrupt() as stopped:
        early: EarlyNetwork | None = None
        try:
            with _collector_paused():
                client, early, unreachable = _engine(dry_run, workspace, session)
                sandbox, plan = _prepare(
                    client,
                    early,
                    workspace,
                    session,
                    command,
                    interactive=interactive,
                    provider=provider,
                    network=network,
                    allow_hosts=allow_hosts,
                    ca_cert=ca_cert,
                    image=image,
                )
                if dry_run:
                    click.echo(plan.to_json())
                    return 0
                if unreachable is not None:
                    raise unreachable
                watch = _GitWatch(plan)
        except BaseException as exc:
            stopped["teardown"] = 1
            if early is not None:
                early.discard()
            if isinstance(exc, KeyboardInterrupt):
                return 128 + stopped.get("signal", signal.SIGINT)
            raise
        assert sandbox is not None
        try:
            agent = sandbox.create()
            watch.save()
            with DenialWatcher(plan, raw_terminal=interactive):
                if interactive:
                    from scc.attach import attach_interactive

                    code = attach_interactive(client, agent, sandbox.ready)
                else:
                    code = _stream(client, agent, sandbox.ready, sandbox.agent_exited)
            _unless_stopped(session)
            return code
        except KeyboardInterrupt:
            return 128 + stopped.get("signal", signal.SIGINT)
        finally:
            stopped["teardown"] = 1
            _ignore_signals()
            sandbox.remove()
            watch.finish()


def _unless_stopped(session: str) -> None:
    """A session `scc stop` ended exits 143 with a line saying so, whatever
    its agent's own status on the way out (137, killed)."""
    if ids.was_stopped(session):
        from scc.sandbox import SessionStopped

        raise SessionStopped(SessionStopped.MESSAGE)


def _engine(
    dry_run: bool, workspace: Path, session: str
) -> tuple[Any, EarlyNetwork | None, EngineUnreachable | None]:
    """The engine's client, and the session's outside network on its way
    (see `scc.early`); an unreachable engine is returned, to be reported
    after any policy error."""
    if dry_run:
        return None, None, None
    try:
        client = connect()
    except EngineUnreachable as exc:
        return None, None, exc
    name = ids.outside_network_name(session)
    return (
        client,
        EarlyNetwork(client, name, ids.network_labels(session, workspace)),
        None,
    )


def _workspace(path: Path, allow_home: bool, interactive: bool) -> Path:
    """The checked workspace; at a terminal, `scc start` asks before it mounts
    a home directory (elsewhere that takes --allow-home)."""
    try:
        return check_workspace(path, allow_home=allow_home)
    except HomeWorkspace as exc:
        if not (interactive and sys.stdin.isatty() and sys.stderr.isatty()):
            raise
        question = (
            f"{exc.path} is a home directory: the agent could read and change "
            "everything in it. Mount it anyway?"
        )
        if not click.confirm(question, default=False, err=True):
            raise
        return check_workspace(path, allow_home=True)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """What is loaded and built while a session is prepared lives as long as
    the process: collecting meanwhile is wasted work, and afterwards it is
    frozen out of the collector's passes, during the session and at exit."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if collecting:
            gc.enable()


def _prepare(
    client: Any,
    early: EarlyNetwork | None,
    workspace: Path,
    session: str,
    command: list[str],
    *,
    interactive: bool,
    provider: str | None,
    network: str | None,
    allow_hosts: tuple[str, ...],
    ca_cert: Path | None,
    image: str | None,
) -> tuple[Sandbox | None, Plan]:
    """Resolve the policy and plan the session; with a client, also check the
    images and return the (not yet created) sandbox."""
    from scc_guard.policy import NetworkMode

    from scc.merge import resolve_session
    from scc.sandbox import Sandbox, plan_session

    settings = resolve_session(
        workspace,
        provider=provider,
        network=network,
        allow_hosts=allow_hosts,
        ca_cert=ca_cert,
        image=image,
    )
    if allow_hosts and settings.policy.network_mode is NetworkMode.LOCKED:
        raise PolicyBlocked(
            "locked-down-web reaches only the provider's API; --allow-host needs "
            "--network web-egress-enforced (if policy permits it)"
        )
    for message in settings.messages:
        warn(message)
    argv = [settings.provider, *command] if interactive else command
    plan = plan_session(
        settings, workspace, argv, interactive=interactive, session=session
    )
    if client is None:
        return None, plan
    _require_images(client, plan)
    return Sandbox(client, plan, settings, early), plan


class _GitWatch:
    """Quarantine git metadata the session added or changed that could run
    code on the host (once the agent's container is gone)."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.workspace = Path(plan.workspace)
        self.before = gitmeta.take_snapshot(self.workspace)
        if self.before.truncated:
            _tell(
                f"scc: warning: more than {gitmeta.SCAN_LIMIT} entries in the "
                "workspace; nested git repositories beyond them are not checked"
            )

    def save(self) -> None:
        """Keep the snapshot, so that `scc prune` checks a killed session."""
        path = ids.session_dir(self.plan.session) / "run" / GIT_SNAPSHOT
        gitmeta.save_snapshot(self.before, self.workspace, path)

    def finish(self) -> None:
        _quarantine(self.workspace, self.before, self.plan.session)


GIT_SNAPSHOT = "git-snapshot.json"


def _quarantine(workspace: Path, before: gitmeta.Snapshot, session: str) -> None:
    """Move what the session planted; record it and say so, one line each."""
    moved, after = gitmeta.quarantine_changes(workspace, before, session)
    records = [gitmeta.audit_record(m, session) + "\n" for m in moved]
    if records:
        log = ids.session_dir(session) / ids.SESSION_AUDIT
        with log.open("a") as handle:
            handle.writelines(records)
    for repo in gitmeta.new_nested_repositories(before, after):
        _tell(
            f"scc: warning: the session created a git repository at {repo}; "
            "host git recurses into it, check it before use"
        )
    for item in moved:
        _tell(
            f"scc: warning: quarantined {item.why} git metadata {item.path} "
            f"-> {item.moved_to}"
        )


def _quarantine_killed(session: str) -> None:
    """For a session whose `scc` was killed: the check it could not make."""
    path = ids.session_dir(session) / "run" / GIT_SNAPSHOT
    try:
        workspace, before = gitmeta.load_snapshot(path)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return  # it never started its agent, or it finished its own check
    _quarantine(workspace, before, session)


def _tell(line: str) -> None:
    """A line on stderr, which may be a terminal that is already gone."""
    with contextlib.suppress(OSError):
        click.echo(line, err=True)


def _require_images(client: Any, plan: Plan) -> None:
    import docker.errors

    for spec in filter(None, (plan.agent, plan.proxy)):
        try:
            client.images.get(spec.image)
        except docker.errors.ImageNotFound:
            raise SccError(
                f"image {spec.image} not found; build it with `scc image build`"
            ) from None


def _stream(
    client: Any, agent: Any, ready: Callable[[], None], exited: Callable[[], None]
) -> int:
    from scc.sandbox import agent_exit_code

    output = client.api.attach(
        agent.id, stdout=True, stderr=True, stream=True, logs=True, demux=True
    )
    agent.start()
    ready()
    for out, err in output:
        if out:
            sys.stdout.buffer.write(out)
            sys.stdout.buffer.flush()
        if err:
            sys.stderr.buffer.write(err)
            sys.stderr.buffer.flush()
    exited()
    return agent_exit_code(agent)


TEARDOWN_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)


@contextmanager
def _signals_as_interrupt() -> Iterator[dict[str, int]]:
    """SIGTERM, SIGHUP (a closed terminal) and SIGINT tear the session down.

    The first one interrupts; later ones (a shell passing its own SIGHUP on,
    tmux following up) are ignored, so they cannot cut the teardown short.
    Yields where the signal's number is recorded.
    """
    stopped: dict[str, int] = {}

    def interrupt(signum: int, frame: Any) -> None:
        if stopped:  # already interrupted, or tearing down
            return
        stopped["signal"] = signum
        raise KeyboardInterrupt

    if threading.current_thread() is not threading.main_thread():
        yield stopped
        return
    previous = {s: signal.signal(s, interrupt) for s in TEARDOWN_SIGNALS}
    try:
        yield stopped
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _ignore_signals() -> None:
    """From here on the teardown runs to its end, whatever arrives."""
    if threading.current_thread() is threading.main_thread():
        for signum in TEARDOWN_SIGNALS:
            signal.signal(signum, signal.SIG_IGN)


def all_users_option(func: Any) -> Any:
    return click.option(
        "--all-users",
        is_flag=True,
        help="Every user's sessions, not only yours (root only).",
    )(func)


def _owner_filter(all_users: bool) -> int | None:
    """The uid whose sessions a command acts on; None for everyone's."""
    if not all_users:
        return os.getuid()
    if os.getuid() != 0:
        raise SccError("only root may act on other users' sessions (--all-users)")
    return None


@click.command("stop")
@click.argument("sessions", nargs=-1)
@click.option("--all", "everything", is_flag=True, help="Stop all your sessions.")
@all_users_option
def stop(sessions: tuple[str, ...], everything: bool, all_users: bool) -> None:
    """Stop sessions and remove their containers, networks and volumes."""
    if not sessions and not everything:
        raise click.UsageError("name a session (see `scc list`) or pass --all")
    from scc.sandbox import remove_session_objects

    client = connect()
    found = _sessions(client, _owner_filter(all_users))
    unknown = [sid for sid in sessions if sid not in found]
    if unknown:
        raise SccError(f"no session {unknown[0]}")
    for sid in sorted(sessions or found):
        ids.mark_stopped(sid)
        remove_session_objects(client, sid)
        click.echo(f"stopped {sid}")


@click.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@all_users_option
def list_sessions(as_json: bool, all_users: bool) -> None:
    """List your running and leftover sessions."""
    client = connect()
    rows = list(_sessions(client, _owner_filter(all_users)).values())
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("no sessions")
        return
    width = max(len(row["session"]) for row in rows)
    click.echo(f"{'SESSION':{width}}  {'STATUS':8}  {'MODE':20}  WORKSPACE")
    for row in rows:
        click.echo(
            f"{row['session']:{width}}  {row['status']:8}  {row['mode']:20}  "
            f"{row['workspace']}"
        )


def _sessions(client: Any, user: int | None) -> dict[str, dict[str, Any]]:
    """Sessions by label. One whose `scc` process is gone has ended, whatever
    its containers still do (scc was killed before it could clean up); that is
    judged only for sessions started on this host, where the pid means it."""
    from scc.sandbox import session_objects

    rows: dict[str, dict[str, Any]] = {}
    for kind, objects in session_objects(client, user=user).items():
        for obj in objects:
            found = _labels_of(obj)
            sid = found[ids.LABEL_SESSION]
            row = rows.setdefault(sid, _row(sid, found))
            row["mode"] = row["mode"] or found.get(ids.LABEL_MODE, "")
            row["objects"].append(f"{kind[:-1]} {_name_of(obj)}")
            if found.get(ids.LABEL_ROLE) == "agent" and kind == "containers":
                row["agent"] = obj.status
    here = ids.this_host()
    for row in rows.values():
        agent = row.pop("agent", "")
        elsewhere = row["host"] not in ("", here)
        if not elsewhere and not (row["pid"] and ids.pid_alive(row["pid"])):
            row["status"] = "ended"
        else:
            row["status"] = "running" if agent == "running" else "starting"
    return dict(sorted(rows.items()))


def _labels_of(obj: Any) -> dict[str, str]:
    attrs = obj.attrs
    return attrs.get("Labels") or attrs.get("Config", {}).get("Labels") or {}


def _name_of(obj: Any) -> str:
    """A sparse container listing has no `Name`; its `Names` has it."""
    if obj.name:
        return str(obj.name)
    names = obj.attrs.get("Names") or [obj.id[:12]]
    return str(names[0]).lstrip("/")


def _row(sid: str, found: dict[str, str]) -> dict[str, Any]:
    return {
        "session": sid,
        "mode": found.get(ids.LABEL_MODE, ""),
        "workspace": found.get(ids.LABEL_WORKSPACE, ""),
        "user": found.get(ids.LABEL_USER, ""),
        "host": found.get(ids.LABEL_HOST, ""),
        "pid": int(found.get(ids.LABEL_PID, "0") or 0),
        "status": "",
        "objects": [],
    }


@click.command("prune")
@click.option("--all", "everything", is_flag=True, help="Also remove running sessions.")
@click.option(
    "--audits-older-than",
    "max_age",
    type=click.IntRange(min=0),
    metavar="DAYS",
    help="Also delete your audits of ended sessions started over DAYS days ago.",
)
@all_users_option
def prune(everything: bool, all_users: bool, max_age: int | None) -> None:
    """Remove what your ended sessions left behind (sidecars, networks, volumes)."""
    from scc.sandbox import remove_session_objects

    client = connect()
    rows = _sessions(client, _owner_filter(all_users))
    live = {sid for sid, row in rows.items() if row["status"] != "ended"}
    for sid, row in rows.items():
        if row["status"] != "ended" and not everything:
            continue
        if row["status"] != "ended":
            ids.mark_stopped(sid)
        remove_session_objects(client, sid)
        if row["status"] == "ended":  # a live scc makes its own check
            _quarantine_killed(sid)
        ids.remove_session_dir(sid)
        click.echo(f"pruned {sid}: {len(row['objects'])} objects")
    if max_age is not None:
        _delete_old_audits(max_age, live)


def _delete_old_audits(days: int, live: set[str]) -> None:
    """Audits are kept until asked: security teams may need them. This deletes
    the caller's own, of sessions no longer running, by their start time."""
    cutoff = time.time() - days * 86400
    deleted = 0
    for sid in ids.known_sessions():
        try:
            started = ids.started_at(sid)
        except ValueError:
            continue  # not a session id
        if sid in live or started >= cutoff:
            continue
        shutil.rmtree(ids.session_dir(sid), ignore_errors=True)
        deleted += 1
    click.echo(f"deleted {deleted} audits of sessions started over {days} days ago")


@click.command("audit")
@click.argument("session", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines.")
def audit(session: str | None, as_json: bool) -> None:
    """Show a session's guard and proxy audit as one timeline (default: the latest)."""
    known = ids.known_sessions()
    if session is None:
        if not known:
            raise SccError("no sessions recorded yet")
        session = known[0]
    elif session not in known:
        raise SccError(f"no audit for session {session}")
    if not as_json:
        click.echo(f"session {session}")
    for event in timeline(ids.session_dir(session)):
        if as_json:
            click.echo(json.dumps(event))
        else:
            click.echo(f"{event['time']}  {event['source']:5}  {event['summary']}")
