"""What the agent tried and what came back, read from the model's records.

The agent resends the whole conversation with every request, so the last
main-loop request holds every tool call the model asked for and every tool
result the agent returned, in order. Reading it gives the exchange as the
agent itself saw it, whatever happened in between.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from scripted_model.server import codex_output, text_of


@dataclass(frozen=True)
class Exchange:
    """One tool call: what the model said, what it asked for, what came back."""

    said: str
    tool: str
    action: str
    result: str


def exchanges(records: list[dict[str, Any]], scenario: str) -> list[Exchange]:
    """The exchanges of the newest conversation about `scenario`."""
    for record in reversed(records):
        body = record.get("body") or {}
        if record.get("kind") != "request" or f"scenario:{scenario}" not in str(body):
            continue
        if "messages" in body and body.get("tools"):
            return _anthropic(body["messages"])
        if "input" in body and body.get("tools"):
            return _openai(body["input"])
    return []


def final_answer(records: list[dict[str, Any]]) -> str | None:
    """The text of the model's last reply that asked for no tool."""
    for record in reversed(records):
        if record.get("kind") != "reply":
            continue
        if "message" in record:
            content = record["message"]["content"]
            if len(content) == 1 and content[0]["text"] != "ok":
                return str(content[0]["text"])
        elif len(record.get("output", [])) == 1:
            return text_of(record["output"][0]["content"])
    return None


def _anthropic(messages: list[dict[str, Any]]) -> list[Exchange]:
    found, results = [], {}
    for message in messages:
        for part in message.get("content") or []:
            if isinstance(part, dict) and part.get("type") == "tool_result":
                results[part["tool_use_id"]] = text_of(part.get("content"))
    for message in messages:
        if message.get("role") != "assistant" or isinstance(message["content"], str):
            continue
        said = " ".join(
            part["text"] for part in message["content"] if part.get("type") == "text"
        )
        for part in message["content"]:
            if part.get("type") == "tool_use":
                action = _claude_action(part["name"], part.get("input") or {})
                result = results.get(part["id"], "")
                found.append(Exchange(said, part["name"], action, result))
    return found


def _claude_action(tool: str, arguments: dict[str, Any]) -> str:
    if tool == "Bash":
        return str(arguments.get("command", ""))
    if "file_path" in arguments:
        return f"{tool.lower()} {arguments['file_path']}"
    return f"{tool} {json.dumps(arguments)}"


def _openai(items: list[dict[str, Any]]) -> list[Exchange]:
    found, results, said = [], {}, ""
    for item in items:
        if item.get("type") in ("function_call_output", "custom_tool_call_output"):
            results[item.get("call_id")] = codex_output(item.get("output"))
    for item in items:
        kind = item.get("type", "message")
        if kind == "message" and item.get("role") == "assistant":
            said = text_of(item.get("content"))
        elif kind in ("function_call", "custom_tool_call"):
            action = _codex_action(item)
            result = results.get(item.get("call_id"), "")
            found.append(Exchange(said, item["name"], action, result))
    return found


def _codex_action(item: dict[str, Any]) -> str:
    if item["type"] == "custom_tool_call":
        lines = str(item.get("input", "")).splitlines()
        added = [line for line in lines if line.startswith("*** Add File: ")]
        return f"write {added[0][14:]}" if added else item["name"]
    arguments = json.loads(item.get("arguments") or "{}")
    command = arguments.get("cmd") or arguments.get("command") or ""
    if isinstance(command, list):
        command = command[-1] if command[:2] == ["bash", "-lc"] else " ".join(command)
    return str(command)
