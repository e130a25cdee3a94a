"""How each real agent is started against the scripted model, non-interactively.

The agents are pointed at the model with their documented settings only:
`ANTHROPIC_BASE_URL` for Claude Code, a Codex model provider with a
`base_url` (given with `-c`, so no file has to be planted in the agent's
home). The command runs inside the sandbox, so `env` sets the variable there
without scc having to pass anything through its environment allowlist.
"""

from __future__ import annotations

from scripted_model.container import MODEL_HOST

# Switch off everything that is not the model conversation itself.
CLAUDE_QUIET = (
    "DISABLE_TELEMETRY=1",
    "DISABLE_ERROR_REPORTING=1",
    "DISABLE_AUTOUPDATER=1",
    "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1",
)
# Dotted keys rather than one inline table: plain words on the command line.
CODEX_PROVIDER = {
    "name": "Scripted model",
    "base_url": f"http://{MODEL_HOST}/v1",
    "env_key": "OPENAI_API_KEY",
    "wire_api": "responses",
}
# Dummy credentials: the scripted model accepts anything.
CREDENTIALS = {"claude": {"ANTHROPIC_API_KEY": "sk-ant-scripted"}}
CREDENTIALS["codex"] = {"OPENAI_API_KEY": "sk-scripted"}


def prompt_for(scenario: str) -> str:
    return f"Work through scenario:{scenario} step by step."


def claude_command(scenario: str, base_url: str = f"http://{MODEL_HOST}") -> list[str]:
    return [
        "env",
        f"ANTHROPIC_BASE_URL={base_url}",
        *CLAUDE_QUIET,
        "claude",
        "-p",
        "--dangerously-skip-permissions",
        prompt_for(scenario),
    ]


def codex_command(scenario: str) -> list[str]:
    settings = {
        "model": "scripted",
        "model_provider": "scripted",
        **{f"model_providers.scripted.{k}": v for k, v in CODEX_PROVIDER.items()},
        "check_for_update_on_startup": "false",
        "analytics.enabled": "false",
    }
    overrides = [part for k, v in settings.items() for part in ("-c", f"{k}={v}")]
    flags = ["--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox"]
    return ["codex", "exec", *flags, *overrides, prompt_for(scenario)]


COMMANDS = {"claude": claude_command, "codex": codex_command}


def agent_command(provider: str, scenario: str) -> list[str]:
    return COMMANDS[provider](scenario)
