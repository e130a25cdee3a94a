"""The `scc-guard` command line (argparse: the guard carries no CLI dependency).

Exit codes: 0 allowed / done, 1 `check` blocked or an error, 2 usage,
3 blocked by policy (shims and other entry points without a protocol of their
own). Hooks always exit 0 and answer in their agent's JSON protocol.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from scc_guard import __version__
from scc_guard.errors import GuardError
from scc_guard.policyfile import AUDIT_DIR, NETWORK_MODES, POLICY_PATH, PolicyView
from scc_guard.shim import EXIT_BLOCKED
from scc_guard.verdict import Verdict

EXIT_ERROR = 1


def build_parser(policy_path: str, audit_dir: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scc-guard", description="Judge commands against scc policy."
    )
    parser.add_argument("--version", action="version", version=__version__)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = commands.add_parser("check", help=guard_check.__doc__)
    _policy_options(check, policy_path)
    check.add_argument(
        "--jsonl",
        action="store_true",
        help='read {"cmd": ...} or {"argv": [...]} lines on stdin',
    )
    check.add_argument("cmd", nargs="*", help="the command (after --)")
    check.set_defaults(run=guard_check)

    explain = commands.add_parser("explain", help=guard_explain.__doc__)
    _policy_options(explain, policy_path)
    explain.add_argument("cmd", nargs="+", help="the command (after --)")
    explain.set_defaults(run=guard_explain)

    rules = commands.add_parser("rules", help=guard_rules.__doc__)
    rules.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    rules.set_defaults(run=guard_rules)

    hook = commands.add_parser("hook", help=guard_hook.__doc__)
    hook.add_argument("agent", choices=("claude", "codex"))
    hook.add_argument("--policy", default=policy_path, metavar="FILE")
    hook.add_argument("--audit-dir", default=audit_dir, metavar="DIR")
    hook.set_defaults(run=guard_hook)

    install = commands.add_parser("install-shims", help=guard_install_shims.__doc__)
    install.add_argument("--lib", required=True, help="where scc_guard is installed")
    install.add_argument("--dest", required=True, help="directory for the shims")
    install.add_argument("--launcher", help="path of the scc-guard launcher to write")
    install.add_argument(
        "--policy",
        default=POLICY_PATH,
        metavar="PATH",
        help="policy path baked into the shims",
    )
    install.add_argument(
        "--audit-dir",
        default=AUDIT_DIR,
        metavar="DIR",
        help="audit directory baked into the shims",
    )
    install.set_defaults(run=guard_install_shims)
    return parser


def _policy_options(parser: argparse.ArgumentParser, policy_path: str) -> None:
    parser.add_argument(
        "--policy", metavar="FILE", help=f"policy file (default {policy_path})"
    )
    parser.add_argument("--network-mode", choices=NETWORK_MODES)
    parser.add_argument("--allow-host", action="append", default=[], metavar="HOST")


def main(
    argv: list[str] | None = None,
    policy_path: str = POLICY_PATH,
    audit_dir: str = AUDIT_DIR,
) -> int:
    parser = build_parser(policy_path, audit_dir)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    args.default_policy = policy_path
    try:
        result: int = args.run(args)
        sys.stdout.flush()
    except GuardError as exc:
        print(f"scc-guard: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:  # the reader went away (`| head`)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_ERROR
    return result


def _policy(args: argparse.Namespace) -> PolicyView:
    """The policy to judge under: a file, flags, or both (flags win)."""
    if args.policy or not (args.network_mode or args.allow_host):
        from scc_guard.policyfile import read_policy_view

        view = read_policy_view(args.policy or args.default_policy)
    else:
        view = PolicyView()
    return PolicyView(
        session=view.session,
        network_mode=args.network_mode or view.network_mode,
        allowed_hosts=view.allowed_hosts + tuple(args.allow_host),
        disabled=view.disabled,
        workspace=view.workspace,
    )


def guard_check(args: argparse.Namespace) -> int:
    """Judge a command (exit 0 allowed, 1 blocked), or JSON lines with --jsonl."""
    from scc_guard.policyfile import host_pattern_problem

    for host in args.allow_host:
        problem = host_pattern_problem(host)
        if problem:
            raise GuardError(f"--allow-host: {problem}")
    policy = _policy_or_verdict(args)
    if args.jsonl:
        return _check_lines(policy)
    if not args.cmd:
        raise GuardError("check needs a command: scc-guard check -- 'CMD'")
    verdict = _judge_input({"cmd": " ".join(args.cmd)}, policy)
    if verdict.allowed:
        print(f"allow{f' [{verdict.rule}] {verdict.reason}' if verdict.rule else ''}")
        return 0
    print(f"block [{verdict.rule}] {verdict.reason}")
    if verdict.alternative:
        print(f"instead: {verdict.alternative}")
    return 1


def _policy_or_verdict(args: argparse.Namespace) -> PolicyView | Verdict:
    """The policy; when it cannot be read, the verdict every command gets."""
    from scc_guard.errors import PolicyError
    from scc_guard.rules import RULES

    try:
        return _policy(args)
    except PolicyError as exc:
        alternative = RULES["policy-invalid"].alternative
        if not (args.policy or args.network_mode or args.allow_host):
            # Outside a sandbox nothing is mounted: say how to name a policy.
            alternative = "outside a sandbox, pass --policy FILE or --network-mode MODE"
        return Verdict(False, "policy-invalid", str(exc), alternative)


def _check_lines(policy: PolicyView | Verdict) -> int:
    blocked = False
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError:
            item = None
        verdict = _judge_input(item, policy)
        blocked = blocked or not verdict.allowed
        sys.stdout.write(json.dumps(verdict.as_dict()) + "\n")
        sys.stdout.flush()
    return 1 if blocked else 0


def _judge_input(item: object, policy: PolicyView | Verdict) -> Verdict:
    from scc_guard.judge import _unverifiable, judge_argv, judge_command

    if isinstance(policy, Verdict):
        return policy
    if isinstance(item, dict) and isinstance(item.get("cmd"), str):
        return judge_command(item["cmd"], policy)
    argv = item.get("argv") if isinstance(item, dict) else None
    if isinstance(argv, list) and argv and all(isinstance(w, str) for w in argv):
        return judge_argv(argv, policy)
    return _unverifiable('input is not {"cmd": "..."} or {"argv": [...]}')


def guard_explain(args: argparse.Namespace) -> int:
    """Show how a command was read and which rule decided."""
    from scc_guard.judge import judge_command

    trace: list[str] = []
    command = " ".join(args.cmd)
    policy = _policy_or_verdict(args)
    if isinstance(policy, Verdict):
        verdict = policy
    else:
        verdict = judge_command(command, policy, trace=trace)
    print(f"command: {command}")
    for step in trace:
        print(f"  {step}")
    print(f"verdict: {verdict.word}")
    if verdict.rule:
        print(f"rule: {verdict.rule}\nreason: {verdict.reason}")
    if verdict.alternative:
        print(f"instead: {verdict.alternative}")
    return 0 if verdict.allowed else 1


def guard_rules(args: argparse.Namespace) -> int:
    """List every rule: id, what it blocks, safe alternative, switchable."""
    from scc_guard.rules import RULES

    if args.format == "json":
        print(json.dumps([rule.as_dict() for rule in RULES.values()], indent=2))
    elif args.format == "markdown":
        print(rules_markdown())
    else:
        for rule in RULES.values():
            switch = "switchable" if rule.switchable else "always on"
            print(
                f"{rule.id} ({switch})\n  blocks: {rule.blocks}\n"
                f"  instead: {rule.alternative}"
            )
    return 0


def rules_markdown() -> str:
    from scc_guard.rules import RULES

    lines = [
        "| rule | blocks | safe alternative | switchable |",
        "| --- | --- | --- | --- |",
    ]
    for rule in RULES.values():
        switch = "yes" if rule.switchable else "no"
        lines.append(f"| `{rule.id}` | {rule.blocks} | {rule.alternative} | {switch} |")
    return "\n".join(lines)


def guard_hook(args: argparse.Namespace) -> int:
    """Answer an agent's pre-tool hook on stdin (claude; codex)."""
    from scc_guard.hook import run_hook

    return run_hook(args.agent, args.policy, args.audit_dir)


def guard_install_shims(args: argparse.Namespace) -> int:
    """Write the tool shims and the scc-guard launcher."""
    from scc_guard.install import install_shims

    written = install_shims(
        args.lib, args.dest, args.launcher, args.policy, args.audit_dir
    )
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

__all__ = ["EXIT_BLOCKED", "main"]
