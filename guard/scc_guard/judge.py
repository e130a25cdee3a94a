"""The guard's two questions: may this shell text run, may this argv run."""

from __future__ import annotations

from collections.abc import Callable

from scc_guard.errors import GuardError
from scc_guard.policyfile import PolicyView
from scc_guard.rules import RULES
from scc_guard.scope import Scope
from scc_guard.verdict import ALLOW, Blocked, Verdict

MAX_COMMAND_CHARS = 100_000


def judge_command(
    command: str, policy: object, cwd: str | None = None, trace: list[str] | None = None
) -> Verdict:
    """Judge full shell text (a hook's or `check`'s command) under `policy`."""
    if len(command) > MAX_COMMAND_CHARS:
        return _unverifiable(f"command longer than {MAX_COMMAND_CHARS} characters")

    def run(scope: Scope) -> None:
        from scc_guard.programs import judge_text

        judge_text(command, scope)

    return _judge(run, policy, cwd, trace)


def judge_argv(
    argv: list[str],
    policy: object,
    cwd: str | None = None,
    trace: list[str] | None = None,
    env: list[str] | None = None,
) -> Verdict:
    """Judge a program's argv as a shim receives it (no shell involved).

    `env` holds `NAME=value` entries of the environment it runs in that can
    make the program run code (GIT_PAGER, GIT_CONFIG_*, ...).
    """

    def run(scope: Scope) -> None:
        from scc_guard.programs import judge_words

        clean = [word.replace("\x00", "") for word in argv]
        judge_words(clean, scope, None, [e.replace("\x00", "") for e in env or []])

    return _judge(run, policy, cwd, trace)


def _judge(
    run: Callable[[Scope], None],
    policy: object,
    cwd: str | None,
    trace: list[str] | None,
) -> Verdict:
    try:
        scope = Scope(view_of(policy), cwd)
        scope.trace = trace
        run(scope)
    except Blocked as blocked:
        return blocked.verdict
    except GuardError as exc:
        return Verdict(
            False, "policy-invalid", str(exc), RULES["policy-invalid"].alternative
        )
    except RecursionError:
        return _unverifiable("the command nests too deeply to analyse")
    except Exception as exc:  # every internal error blocks
        return Verdict(
            False,
            "internal-error",
            f"guard error {type(exc).__name__}: {exc}",
            RULES["internal-error"].alternative,
        )
    if scope.notes:
        return Verdict(True, "network-egress", "; ".join(scope.notes))
    return ALLOW


def _unverifiable(reason: str) -> Verdict:
    return Verdict(
        False,
        "cannot-verify",
        f"cannot verify: {reason}",
        RULES["cannot-verify"].alternative,
    )


def view_of(policy: object) -> PolicyView:
    """Accept the pydantic Policy or the fast reader's view."""
    if isinstance(policy, PolicyView):
        return policy
    view = getattr(policy, "view", None)
    if view is None:
        raise GuardError(f"not a policy: {type(policy).__name__}")
    result = view()
    assert isinstance(result, PolicyView)
    return result
