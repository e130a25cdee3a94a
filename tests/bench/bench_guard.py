"""Guard figures: shim overhead, hook decision time, in-process throughput.

Each figure is a median over at least 30 runs, printed next to its target and
next to a baseline measured here in the same process (the real git, a bare
`python3 -IS`, bashlex parsing the same commands).
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import bashlex

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "guard" / "scc_guard"
CASES = (
    REPO.parent / "shared" / "guard-cases.jsonl",
    REPO.parent.parent / "shared" / "guard-cases.jsonl",
)
RUNS = 40
HOSTS = [
    "pkgs.pyreg.example",
    "files.pkgcdn.example",
    "registry.jsreg.example",
    "github.com",
]


def _median_ms(action: Callable[[], object], runs: int = RUNS) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def _install(root: Path) -> tuple[Path, Path]:
    lib = root / "lib"
    lib.mkdir(parents=True)
    (lib / "scc_guard").symlink_to(PACKAGE)
    (lib / "bashlex").symlink_to(Path(bashlex.__file__).parent)
    policy = root / "policy.json"
    policy.write_text(json.dumps({"session": "bench", "allowed_hosts": HOSTS}))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "scc_guard",
            "install-shims",
            "--lib",
            str(lib),
            "--dest",
            str(root / "shims"),
            "--launcher",
            str(root / "scc-guard"),
            "--policy",
            str(policy),
            "--audit-dir",
            str(root),
        ],
        check=True,
        capture_output=True,
    )
    return root / "shims", root / "scc-guard"


def _repo(root: Path) -> Path:
    work = root / "work"
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "b",
        "GIT_AUTHOR_EMAIL": "b@x.invalid",
        "GIT_COMMITTER_NAME": "b",
        "GIT_COMMITTER_EMAIL": "b@x.invalid",
    }
    for args in (
        ["init", "-q", str(work)],
        ["-C", str(work), "commit", "-q", "--allow-empty", "-m", "x"],
    ):
        subprocess.run(["/usr/bin/git", *args], check=True, env=env)
    return work


def shim_overhead(root: Path) -> None:
    shims, _ = _install(root / "install")
    work = _repo(root)

    def run(program: str) -> Callable[[], object]:
        return lambda: subprocess.run(
            [program, "status"], cwd=work, capture_output=True, check=True
        )

    # Interleaved pairs, so that load from other processes hits both alike.
    reals, shimmed = [], []
    for _ in range(RUNS):
        reals.append(_median_ms(run("/usr/bin/git"), runs=1))
        shimmed.append(_median_ms(run(str(shims / "git")), runs=1))
    real, shim = statistics.median(reals), statistics.median(shimmed)
    overhead = statistics.median(s - r for s, r in zip(shimmed, reals, strict=True))
    print(
        f"git status: real {real:.1f} ms, through the shim {shim:.1f} ms, "
        f"overhead {overhead:.1f} ms (target <= 15), ratio {shim / real:.1f}x"
    )


def hook_decision(root: Path) -> None:
    _, launcher = _install(root / "hook")
    startup = _median_ms(lambda: subprocess.run(["/usr/bin/python3", "-IS", "-c", "0"]))
    print(f"bare python3 -IS start: {startup:.1f} ms")
    commands = {
        "plain (git status)": "git status",
        "shell syntax (commit idiom)": (
            "git add -A && git commit -m \"$(cat <<'EOF'\nfix: x\nEOF\n)\""
        ),
    }
    for label, command in commands.items():
        event = json.dumps(
            {"tool_name": "Bash", "tool_input": {"command": command}, "cwd": str(root)}
        ).encode()
        elapsed = _median_ms(
            lambda event=event: subprocess.run(
                [str(launcher), "hook", "claude"],
                input=event,
                capture_output=True,
                check=True,
            )
        )
        print(
            f"hook decision, {label}: {elapsed:.1f} ms from process start "
            f"(target <= 30), {elapsed / startup:.1f}x a bare start"
        )


def throughput() -> None:
    from scc_guard import judge_command
    from scc_guard.policyfile import PolicyView

    path = next((p for p in CASES if p.is_file()), None)
    if path is None:
        print("throughput: shared cases file not found")
        return
    commands = [json.loads(line)["cmd"] for line in path.read_text().splitlines()]
    policy = PolicyView(allowed_hosts=tuple(HOSTS))

    def judge_all() -> None:
        for command in commands:
            judge_command(command, policy)

    def parse_all() -> None:
        for command in commands:
            with contextlib.suppress(Exception):  # only the parser is timed
                bashlex.parse(command)

    guard = _median_ms(judge_all, runs=30)
    parser = _median_ms(parse_all, runs=30)
    rate = len(commands) / (guard / 1000)
    print(
        f"throughput over {len(commands)} cases: {rate:,.0f} commands/s "
        f"(target >= 5,000); bashlex parsing alone "
        f"{len(commands) / (parser / 1000):,.0f}/s, guard/parser time "
        f"{guard / parser:.2f}x"
    )


def run() -> None:
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        shim_overhead(root)
        hook_decision(root)
    throughput()


if __name__ == "__main__":
    run()
