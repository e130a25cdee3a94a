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


def claude_command(scenario: str, own_host: bool = False) -> list[str]:
    """Claude Code on the model's test name, or on its default API host."""
    base_url = [] if own_host else [f"ANTHROPIC_BASE_URL=http://{MODEL_HOST}"]
    return [
        "env",
        *base_url,
        *CLAUDE_QUIET,
        "claude",
        "-p",
        "--dangerously-skip-permissions",
        prompt_for(scenario),
    ]


def codex_command(scenario: str, own_host: bool = False) -> list[str]:
    """Codex on the model's test name, or on OpenAI's API host (HTTPS)."""
    provider = dict(CODEX_PROVIDER)
    if own_host:
        provider["base_url"] = "https://api.openai.com/v1"
    settings = {
        "model": "scripted",
        "model_provider": "scripted",
        **{f"model_providers.scripted.{k}": v for k, v in provider.items()},
        "check_for_update_on_startup": "false",
        "analytics.enabled": "false",
    }
    overrides = [part for k, v in settings.items() for part in ("-c", f"{k}={v}")]
    flags = ["--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox"]
    return ["codex", "exec", *flags, *overrides, prompt_for(scenario)]


COMMANDS = {"claude": claude_command, "codex": codex_command}


def agent_command(provider: str, scenario: str, own_host: bool = False) -> list[str]:
    """The agent's command line; `own_host` keeps the provider's real API name.

    With `own_host` the agent talks to its provider's usual host, which the
    test network answers with the scripted model (`locked-down-web` reaches
    nothing else).
    """
    return COMMANDS[provider](scenario, own_host)
