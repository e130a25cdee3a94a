"""A scripted stand-in for the model APIs that Claude Code and Codex call.

It speaks enough of the Anthropic Messages API (`POST /v1/messages`, streamed
or not) and of the OpenAI Responses API (`POST /v1/responses`, streamed) for
`claude -p` and `codex exec` to hold a conversation whose every turn is
written down in advance, in a scenario:

    {"name": "force-push",
     "steps": [
        {"run": "git push --force origin main",
         "expect": ["blocked"], "expect_not": ["forced update"]},
        {"write": {"path": "notes.txt", "content": "hello\\n"}}
     ],
     "final": "Done."}

The agent's prompt picks the scenario by containing `scenario:<name>`. Each
turn the server counts the tool results already in the conversation: that
many steps are done. It checks the last result against the step's `expect`
(substrings that must appear) and `expect_not` (substrings that must not),
then asks for the next tool call, or ends with the final answer. A failed
check ends the conversation at once with `SCENARIO FAILED: ...`.

The server keeps no conversation state, so a retried request gets the same
answer. Requests without the agent's shell tool (titles, summaries, quota
probes) get a one-word answer and do not advance anything.

Every request is recorded (memory and, with --record, a JSON lines file),
along with every check, so tests can assert what the agent sent back.

Standard library only: it runs on Debian's python3 in its test image.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import ssl
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

SCENARIO_MARK = re.compile(r"scenario:([A-Za-z0-9_.-]+)")
# Claude Code states its directory in the system prompt or an early message.
CLAUDE_CWD = re.compile(r"[Ww]orking directory: (/[^\s\\\"]*)")
# Codex has offered its shell under several names and argument shapes.
CODEX_SHELLS = ("shell_command", "exec_command", "shell", "container.exec")
SIDE_ANSWER = "ok"
HELLO = "hello from the scripted test host"
_ids = itertools.count(1)


def new_id(prefix: str) -> str:
    return f"{prefix}_{int(time.time() * 1000):x}{next(_ids):06d}"


@dataclass
class Step:
    """One tool call the model asks for, and what its result must show."""

    run: str | None = None
    write: dict[str, str] | None = None
    say: str = ""
    expect: list[str] = field(default_factory=list)
    expect_not: list[str] = field(default_factory=list)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Step:
        unknown = set(data) - {"run", "write", "say", "expect", "expect_not"}
        if unknown:
            raise ValueError(f"unknown step keys: {sorted(unknown)}")
        step = cls(**data)
        if (step.run is None) == (step.write is None):
            raise ValueError("a step needs exactly one of 'run' or 'write'")
        if step.write is not None and set(step.write) != {"path", "content"}:
            raise ValueError("'write' needs exactly 'path' and 'content'")
        return step

    def failure(self, result: str) -> str | None:
        """Why `result` does not satisfy this step, or None if it does."""
        folded = result.casefold()
        for wanted in self.expect:
            if wanted.casefold() not in folded:
                return f"expected {wanted!r} in the tool result"
        for unwanted in self.expect_not:
            if unwanted.casefold() in folded:
                return f"did not expect {unwanted!r} in the tool result"
        return None


@dataclass
class Scenario:
    name: str
    steps: list[Step]
    final: str = "Done."

    @classmethod
    def from_json(
        cls, data: dict[str, Any], known: dict[str, Scenario] | None = None
    ) -> Scenario:
        """A scenario; `include` names earlier ones whose steps come first."""
        unknown = set(data) - {"name", "steps", "final", "include"}
        if unknown:
            raise ValueError(f"unknown scenario keys: {sorted(unknown)}")
        steps = []
        for name in data.get("include", []):
            if name not in (known or {}):
                raise ValueError(f"{data['name']}: includes unknown scenario {name!r}")
            steps += (known or {})[name].steps
        steps += [Step.from_json(step) for step in data.get("steps", [])]
        return cls(name=data["name"], steps=steps, final=data.get("final", "Done."))


def load_scenarios(path: Path) -> dict[str, Scenario]:
    """Scenarios from one JSON file (an object or a list) or a directory of them.

    Scenarios with `include` are read after all others, so they may name any.
    """
    files = sorted(path.glob("*.json")) if path.is_dir() else [path]
    items = []
    for file in files:
        data = json.loads(file.read_text())
        items += data if isinstance(data, list) else [data]
    found: dict[str, Scenario] = {}
    for item in sorted(items, key=lambda item: "include" in item):
        found[item["name"]] = Scenario.from_json(item, found)
    return found


@dataclass
class Turn:
    """What the conversation so far says, whatever the wire format."""

    prompt: str
    results: list[str]
    tools: list[str]
    cwd: str | None = None


@dataclass
class Reply:
    """The model's next message: some text, then at most one tool call."""

    text: str
    tool: str | None = None
    step: Step | None = None


class Script:
    """Decides each reply from the scenarios; records requests and checks."""

    def __init__(self, scenarios: dict[str, Scenario], record: Path | None = None):
        self.scenarios = scenarios
        self.record_path = record
        self.records: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def record(self, entry: dict[str, Any]) -> None:
        entry = {"time": time.time(), **entry}
        with self._lock:
            self.records.append(entry)
            if self.record_path is not None:
                with self.record_path.open("a") as out:
                    out.write(json.dumps(entry) + "\n")

    def reply(self, turn: Turn, shell_tool: str | None, api: str) -> Reply:
        if shell_tool is None:
            return Reply(SIDE_ANSWER)
        match = SCENARIO_MARK.search(turn.prompt)
        if match is None or match.group(1) not in self.scenarios:
            wanted = match.group(1) if match else None
            return Reply(f"SCENARIO FAILED: no scenario {wanted!r} in the prompt")
        scenario = self.scenarios[match.group(1)]
        done = len(turn.results)
        if done:
            failure = self._check(scenario, done - 1, turn.results[-1], api)
            if failure:
                return Reply(f"SCENARIO FAILED: step {done}: {failure}")
        if done >= len(scenario.steps):
            return Reply(scenario.final)
        step = scenario.steps[done]
        return Reply(step.say or f"Step {done + 1}.", shell_tool, step)

    def _check(
        self, scenario: Scenario, index: int, result: str, api: str
    ) -> str | None:
        if index >= len(scenario.steps):
            return f"more tool results than steps ({index + 1})"
        failure = scenario.steps[index].failure(result)
        self.record(
            {
                "kind": "check",
                "api": api,
                "scenario": scenario.name,
                "step": index + 1,
                "passed": failure is None,
                "failure": failure,
                "result": result,
            }
        )
        return failure


def text_of(content: Any) -> str:
    """Flatten Anthropic or OpenAI content (a string or a list of parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(text_of(part) for part in content)
    if isinstance(content, dict):
        for key in ("text", "content", "output"):
            if key in content:
                return text_of(content[key])
    return ""


# Anthropic Messages API


def anthropic_turn(body: dict[str, Any]) -> Turn:
    prompt, results = "", []
    for message in body.get("messages", []):
        content = message.get("content")
        if message.get("role") != "user":
            continue
        if isinstance(content, str):
            content = [{"type": "text", "text": content}]
        for part in content or []:
            if part.get("type") == "tool_result":
                results.append(text_of(part.get("content")))
            elif part.get("type") == "text" and SCENARIO_MARK.search(part["text"]):
                prompt = prompt or part["text"]
    cwd = CLAUDE_CWD.search(json.dumps([body.get("system"), body.get("messages")]))
    tools = [tool.get("name", "") for tool in body.get("tools", [])]
    return Turn(prompt, results, tools, cwd.group(1) if cwd else None)


def anthropic_tool_call(reply: Reply, turn: Turn) -> tuple[str, dict[str, Any]]:
    step = reply.step
    assert step is not None
    if step.run is not None:
        return "Bash", {"command": step.run, "description": "scripted step"}
    assert step.write is not None
    path = step.write["path"]
    if not path.startswith("/") and turn.cwd:
        path = f"{turn.cwd.rstrip('/')}/{path}"
    if path.startswith("/") and "Write" in turn.tools:
        return "Write", {"file_path": path, "content": step.write["content"]}
    return "Bash", {"command": heredoc(step.write), "description": "scripted step"}


def anthropic_message(reply: Reply, turn: Turn, model: str) -> dict[str, Any]:
    content: list[dict[str, Any]] = [{"type": "text", "text": reply.text}]
    if reply.tool is not None:
        name, arguments = anthropic_tool_call(reply, turn)
        content.append(
            {
                "type": "tool_use",
                "id": new_id("toolu"),
                "name": name,
                "input": arguments,
            }
        )
    return {
        "id": new_id("msg"),
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": "tool_use" if reply.tool else "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 10, "output_tokens": 10},
    }


def anthropic_events(message: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The SSE events that stream `message`, in order."""
    head = {**message, "content": [], "stop_reason": None}
    events: list[tuple[str, dict[str, Any]]] = [
        ("message_start", {"type": "message_start", "message": head})
    ]
    for index, block in enumerate(message["content"]):
        if block["type"] == "text":
            start = {"type": "text", "text": ""}
            delta = {"type": "text_delta", "text": block["text"]}
        else:
            start = {**block, "input": {}}
            delta = {
                "type": "input_json_delta",
                "partial_json": json.dumps(block["input"]),
            }
        events += [
            (
                "content_block_start",
                {"type": "content_block_start", "index": index, "content_block": start},
            ),
            (
                "content_block_delta",
                {"type": "content_block_delta", "index": index, "delta": delta},
            ),
            ("content_block_stop", {"type": "content_block_stop", "index": index}),
        ]
    stop = {"stop_reason": message["stop_reason"], "stop_sequence": None}
    events += [
        (
            "message_delta",
            {"type": "message_delta", "delta": stop, "usage": {"output_tokens": 10}},
        ),
        ("message_stop", {"type": "message_stop"}),
    ]
    return events


# OpenAI Responses API


def openai_turn(body: dict[str, Any]) -> Turn:
    items = body.get("input", [])
    if isinstance(items, str):
        items = [{"role": "user", "content": items}]
    prompt, results = "", []
    for item in items:
        kind = item.get("type", "message")
        if kind in ("function_call_output", "custom_tool_call_output"):
            results.append(codex_output(item.get("output")))
        elif kind == "message" and item.get("role") == "user":
            text = text_of(item.get("content"))
            if SCENARIO_MARK.search(text):
                prompt = prompt or text
    tools = [tool.get("name") or tool.get("type", "") for tool in body.get("tools", [])]
    return Turn(prompt, results, tools)


def codex_output(output: Any) -> str:
    """Codex sends a tool's output as text, parts, or JSON with an `output` key."""
    text = text_of(output)
    try:
        decoded = json.loads(text)
    except ValueError:
        return text
    if isinstance(decoded, dict) and "output" in decoded:
        return text_of(decoded["output"])
    return text


def codex_shell(tools: list[str]) -> str | None:
    return next((name for name in CODEX_SHELLS if name in tools), None)


def openai_tool_item(reply: Reply, turn: Turn) -> dict[str, Any]:
    step = reply.step
    assert step is not None and reply.tool is not None
    if step.write is not None and "apply_patch" in turn.tools:
        return {
            "type": "custom_tool_call",
            "id": new_id("ctc"),
            "call_id": new_id("call"),
            "name": "apply_patch",
            "input": add_file_patch(step.write),
            "status": "completed",
        }
    command = step.run if step.run is not None else heredoc(step.write or {})
    arguments: dict[str, Any] = {
        "shell_command": {"command": command},
        # Wait for the command to finish, so each call gives one final result.
        "exec_command": {"cmd": command, "yield_time_ms": 60000},
    }.get(reply.tool, {"command": ["bash", "-lc", command]})
    return {
        "type": "function_call",
        "id": new_id("fc"),
        "call_id": new_id("call"),
        "name": reply.tool,
        "arguments": json.dumps(arguments),
        "status": "completed",
    }


def openai_output(reply: Reply, turn: Turn) -> list[dict[str, Any]]:
    output: list[dict[str, Any]] = [
        {
            "type": "message",
            "id": new_id("msg"),
            "role": "assistant",
            "status": "completed",
            "content": [{"type": "output_text", "text": reply.text, "annotations": []}],
        }
    ]
    if reply.tool is not None:
        output.append(openai_tool_item(reply, turn))
    return output


def openai_events(
    output: list[dict[str, Any]], model: str
) -> list[tuple[str, dict[str, Any]]]:
    response = {
        "id": new_id("resp"),
        "object": "response",
        "model": model,
        "status": "in_progress",
        "output": [],
    }
    events: list[tuple[str, dict[str, Any]]] = [
        ("response.created", {"type": "response.created", "response": response}),
    ]
    for index, item in enumerate(output):
        events.append(
            (
                "response.output_item.added",
                {
                    "type": "response.output_item.added",
                    "output_index": index,
                    "item": item,
                },
            )
        )
        if item["type"] == "message":
            text = item["content"][0]["text"]
            events.append(
                (
                    "response.output_text.delta",
                    {
                        "type": "response.output_text.delta",
                        "item_id": item["id"],
                        "output_index": index,
                        "content_index": 0,
                        "delta": text,
                    },
                )
            )
        events.append(
            (
                "response.output_item.done",
                {
                    "type": "response.output_item.done",
                    "output_index": index,
                    "item": item,
                },
            )
        )
    usage = {
        "input_tokens": 10,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": 10,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": 20,
    }
    done = {**response, "status": "completed", "output": output, "usage": usage}
    events.append(
        ("response.completed", {"type": "response.completed", "response": done})
    )
    return events


def heredoc(write: dict[str, str]) -> str:
    content = write["content"]
    if not content.endswith("\n"):
        content += "\n"
    return f"cat > {write['path']} <<'SCRIPTED_EOF'\n{content}SCRIPTED_EOF"


def add_file_patch(write: dict[str, str]) -> str:
    lines = "".join(f"+{line}\n" for line in write["content"].splitlines())
    return f"*** Begin Patch\n*** Add File: {write['path']}\n{lines}*** End Patch\n"


# HTTP


class Handler(BaseHTTPRequestHandler):
    server_version = "scripted-model/1"
    protocol_version = "HTTP/1.1"
    script: Script  # set on the subclass that serve() builds

    def log_message(self, format: str, *args: Any) -> None:
        sys.stderr.write(
            f"{self.command} {self.path} {args[1] if len(args) > 1 else ''}\n"
        )

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path == "/_scripted/records":
            self._json(200, self.script.records)
            return
        if path == "/hello":
            # A plain page, for the "fetch from a test host" scenarios.
            self.script.record({"kind": "request", "method": "GET", "path": path})
            self._text(200, f"{HELLO} ({self.headers.get('Host')})\n")
            return
        self.script.record({"kind": "request", "method": "GET", "path": self.path})
        if path.endswith("/models"):
            self._json(200, {"data": [], "models": [], "object": "list"})
        elif path in ("/", "/health", "/_scripted/health"):
            self._json(200, {"ok": True, "scenarios": sorted(self.script.scenarios)})
        else:
            self._json(404, {"error": {"type": "not_found", "message": path}})

    def do_HEAD(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {"unparsed": raw.decode(errors="replace")}
        path = self.path.split("?")[0]
        self.script.record(
            {
                "kind": "request",
                "method": "POST",
                "path": self.path,
                "headers": {
                    k.lower(): v
                    for k, v in self.headers.items()
                    if k.lower() in ("user-agent", "host", "anthropic-version")
                },
                "body": body,
            }
        )
        if path.endswith("/messages/count_tokens"):
            self._json(200, {"input_tokens": 10})
        elif path.endswith("/messages"):
            self._anthropic(body)
        elif path.endswith("/responses"):
            self._openai(body)
        else:
            self._json(404, {"error": {"type": "not_found", "message": path}})

    def _anthropic(self, body: dict[str, Any]) -> None:
        turn = anthropic_turn(body)
        shell = "Bash" if "Bash" in turn.tools else None
        reply = self.script.reply(turn, shell, "anthropic")
        message = anthropic_message(reply, turn, body.get("model", "scripted"))
        self.script.record({"kind": "reply", "api": "anthropic", "message": message})
        if body.get("stream"):
            self._stream(anthropic_events(message))
        else:
            self._json(200, message)

    def _openai(self, body: dict[str, Any]) -> None:
        turn = openai_turn(body)
        reply = self.script.reply(turn, codex_shell(turn.tools), "openai")
        output = openai_output(reply, turn)
        self.script.record({"kind": "reply", "api": "openai", "output": output})
        events = openai_events(output, body.get("model", "scripted"))
        if body.get("stream", True):
            self._stream(events)
        else:
            self._json(200, events[-1][1]["response"])

    def _json(self, status: int, data: Any) -> None:
        self._text(status, json.dumps(data), "application/json")

    def _text(self, status: int, text: str, kind: str = "text/plain") -> None:
        payload = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _stream(self, events: list[tuple[str, dict[str, Any]]]) -> None:
        payload = "".join(
            f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in events
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def serve(
    script: Script, host: str = "127.0.0.1", port: int = 0
) -> ThreadingHTTPServer:
    """A server bound and ready; call serve_forever() (tests use a thread)."""
    handler = type("ScriptedHandler", (Handler,), {"script": script})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="0.0.0.0")
    parser.add_argument("--port", type=int, default=80)
    parser.add_argument("--tls-port", type=int, help="also serve HTTPS here")
    parser.add_argument("--cert", type=Path, help="PEM certificate chain for TLS")
    parser.add_argument("--key", type=Path, help="PEM private key for TLS")
    parser.add_argument("--scenarios", type=Path, required=True)
    parser.add_argument("--record", type=Path)
    args = parser.parse_args(argv)
    script = Script(load_scenarios(args.scenarios), args.record)
    servers = [serve(script, args.host, args.port)]
    if args.tls_port:
        servers.append(serve(script, args.host, args.tls_port))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.cert, args.key)
        servers[1].socket = context.wrap_socket(servers[1].socket, server_side=True)
    for server in servers[1:]:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    ports = ", ".join(str(server.server_port) for server in servers)
    names = ", ".join(sorted(script.scenarios))
    print(f"scripted model on {args.host} ports {ports}: {names}", flush=True)
    servers[0].serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
