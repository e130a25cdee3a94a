"""The scripted model on loopback: both wire formats, the checks, the records."""

from __future__ import annotations

import json
import re
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from scripted_model.server import Scenario, Script, Step, load_scenarios, serve
from scripted_model.transcript import Exchange, exchanges, final_answer

SCENARIO = {
    "name": "demo",
    "steps": [
        {"run": "git push --force", "expect": ["blocked"], "expect_not": ["forced"]},
        {"write": {"path": "notes.txt", "content": "hello\n"}},
    ],
    "final": "All done.",
}


@pytest.fixture
def model(tmp_path: Path) -> Iterator[tuple[str, Script]]:
    record = tmp_path / "requests.jsonl"
    script = Script({"demo": Scenario.from_json(SCENARIO)}, record)
    server = serve(script)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", script
    server.shutdown()
    server.server_close()


def post(url: str, body: dict[str, Any]) -> tuple[str, bytes]:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.headers["Content-Type"], response.read()


def sse(payload: bytes) -> list[tuple[str, dict[str, Any]]]:
    events = []
    for block in payload.decode().strip().split("\n\n"):
        name, data = block.split("\n")
        events.append((name.removeprefix("event: "), json.loads(data[6:])))
    return events


def claude_body(*results: str, tools: tuple[str, ...] = ("Bash", "Write")) -> dict:
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": [{"type": "text", "text": "do scenario:demo"}]}
    ]
    for index, result in enumerate(results):
        call = {"type": "tool_use", "id": f"t{index}", "name": "Bash", "input": {}}
        messages.append({"role": "assistant", "content": [call]})
        answer = {"type": "tool_result", "tool_use_id": f"t{index}", "content": result}
        messages.append({"role": "user", "content": [answer]})
    system = [{"type": "text", "text": "Primary working directory: /repo\n"}]
    return {
        "model": "m",
        "stream": True,
        "system": system,
        "messages": messages,
        "tools": [{"name": name} for name in tools],
    }


def codex_body(*results: str) -> dict:
    prompt = [{"type": "input_text", "text": "scenario:demo please"}]
    items: list[dict[str, Any]] = [
        {"type": "message", "role": "user", "content": prompt}
    ]
    for index, result in enumerate(results):
        call = {"type": "function_call", "call_id": f"c{index}", "name": "x"}
        items += [call, {"type": "function_call_output", "output": result}]
    tools = [{"type": "function", "name": "exec_command"}]
    tools.append({"type": "custom", "name": "apply_patch"})
    return {"model": "m", "stream": True, "input": items, "tools": tools}


def test_claude_first_turn_streams_the_first_step_as_a_bash_call(model):
    url, _ = model
    content_type, payload = post(f"{url}/v1/messages?beta=true", claude_body())
    events = sse(payload)

    assert content_type == "text/event-stream"
    assert events[0][0] == "message_start"
    assert events[-1][0] == "message_stop"
    call = next(e for n, e in events if n == "content_block_start" and e["index"] == 1)
    assert call["content_block"]["name"] == "Bash"
    partial = next(e for n, e in events if e.get("delta", {}).get("partial_json"))
    assert json.loads(partial["delta"]["partial_json"])["command"] == "git push --force"
    stop = next(e for n, e in events if n == "message_delta")
    assert stop["delta"]["stop_reason"] == "tool_use"


def test_claude_write_step_uses_write_tool_with_an_absolute_path(model):
    url, _ = model
    body = claude_body("Blocked by scc: no force push")
    body["stream"] = False

    _, payload = post(f"{url}/v1/messages", body)
    call = json.loads(payload)["content"][1]

    assert call["name"] == "Write"
    assert call["input"] == {"file_path": "/repo/notes.txt", "content": "hello\n"}


def test_claude_write_step_falls_back_to_a_heredoc_without_write_tool(model):
    url, _ = model
    body = claude_body("blocked", tools=("Bash",))
    body["stream"] = False

    call = json.loads(post(f"{url}/v1/messages", body)[1])["content"][1]

    assert call["name"] == "Bash"
    assert call["input"]["command"].startswith("cat > notes.txt <<'SCRIPTED_EOF'")


def test_claude_gets_the_final_answer_after_the_last_step(model):
    url, script = model
    body = claude_body("blocked", "")
    body["stream"] = False

    message = json.loads(post(f"{url}/v1/messages", body)[1])

    assert message["stop_reason"] == "end_turn"
    assert message["content"] == [{"type": "text", "text": "All done."}]
    checks = [r for r in script.records if r["kind"] == "check"]
    # Stateless: each request checks only the newest result (step 1 was checked
    # by the request that carried it).
    assert [(c["step"], c["passed"]) for c in checks] == [(2, True)]


@pytest.mark.parametrize(
    ("result", "failure"),
    [
        ("it went through", "expected 'blocked' in the tool result"),
        ("BLOCKED, but forced anyway", "did not expect 'forced' in the tool result"),
    ],
)
def test_a_failed_check_ends_the_conversation_and_is_recorded(model, result, failure):
    url, script = model
    body = claude_body(result)
    body["stream"] = False

    message = json.loads(post(f"{url}/v1/messages", body)[1])

    assert message["content"][0]["text"] == f"SCENARIO FAILED: step 1: {failure}"
    assert message["stop_reason"] == "end_turn"
    check = next(r for r in script.records if r["kind"] == "check")
    assert (check["passed"], check["failure"], check["result"]) == (
        False,
        failure,
        result,
    )


def test_a_request_without_the_shell_tool_gets_a_side_answer(model):
    url, script = model
    body = claude_body(tools=())
    body["stream"] = False

    message = json.loads(post(f"{url}/v1/messages", body)[1])

    assert message["content"] == [{"type": "text", "text": "ok"}]
    assert not [r for r in script.records if r["kind"] == "check"]


def test_an_unknown_scenario_is_answered_with_a_failure(model):
    url, _ = model
    body = claude_body()
    body["messages"][0]["content"][0]["text"] = "scenario:nope"
    body["stream"] = False

    message = json.loads(post(f"{url}/v1/messages", body)[1])

    assert message["content"][0]["text"].startswith(
        "SCENARIO FAILED: no scenario 'nope'"
    )


def test_codex_first_turn_streams_an_exec_command_call(model):
    url, _ = model
    events = sse(post(f"{url}/v1/responses", codex_body())[1])

    names = [name for name, _ in events]
    assert names[0] == "response.created"
    assert names[-1] == "response.completed"
    items = [e["item"] for n, e in events if n == "response.output_item.done"]
    assert [item["type"] for item in items] == ["message", "function_call"]
    assert items[1]["name"] == "exec_command"
    assert json.loads(items[1]["arguments"])["cmd"] == "git push --force"
    completed = events[-1][1]["response"]
    assert completed["output"] == items
    assert completed["usage"]["total_tokens"] == 20


def test_codex_write_step_uses_apply_patch(model):
    url, _ = model
    events = sse(post(f"{url}/v1/responses", codex_body("blocked"))[1])

    call = [e["item"] for n, e in events if n == "response.output_item.done"][1]
    assert (call["type"], call["name"]) == ("custom_tool_call", "apply_patch")
    assert call["input"] == (
        "*** Begin Patch\n*** Add File: notes.txt\n+hello\n*** End Patch\n"
    )


def test_codex_tool_output_in_json_is_unwrapped_before_the_check(model):
    url, script = model
    wrapped = json.dumps({"output": "blocked by policy", "metadata": {}})

    post(f"{url}/v1/responses", codex_body(wrapped))

    check = next(r for r in script.records if r["kind"] == "check")
    assert (check["result"], check["passed"]) == ("blocked by policy", True)


def test_every_request_is_recorded_in_memory_in_the_file_and_over_http(model, tmp_path):
    url, script = model
    post(f"{url}/v1/messages", claude_body())
    post(f"{url}/v1/responses", codex_body())

    with urllib.request.urlopen(f"{url}/_scripted/records", timeout=5) as response:
        served = json.loads(response.read())
    lines = (tmp_path / "requests.jsonl").read_text().splitlines()
    on_disk = [json.loads(line) for line in lines]

    requests = [r for r in script.records if r["kind"] == "request"]
    assert [r["path"] for r in requests[:2]] == ["/v1/messages", "/v1/responses"]
    assert requests[0]["body"]["messages"][0]["content"][0]["text"] == (
        "do scenario:demo"
    )
    assert on_disk == served
    assert [r["kind"] for r in on_disk] == ["request", "reply", "request", "reply"]


def test_count_tokens_and_models_answer_and_unknown_paths_404(model):
    url, _ = model
    _, payload = post(f"{url}/v1/messages/count_tokens", {"messages": []})
    assert json.loads(payload) == {"input_tokens": 10}
    with urllib.request.urlopen(f"{url}/v1/models", timeout=5) as response:
        assert json.loads(response.read())["data"] == []
    with pytest.raises(urllib.error.HTTPError) as error:
        post(f"{url}/v1/nothing", {})
    error.value.close()
    assert error.value.code == 404


@pytest.mark.parametrize(
    ("step", "message"),
    [
        ({}, "a step needs exactly one of 'run' or 'write'"),
        ({"run": "x", "write": {"path": "a", "content": ""}}, "exactly one of"),
        ({"write": {"path": "a"}}, "'write' needs exactly 'path' and 'content'"),
        ({"run": "x", "expects": []}, "unknown step keys: ['expects']"),
    ],
)
def test_malformed_steps_are_refused_with_a_reason(step, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        Step.from_json(step)


def test_scenarios_load_from_a_directory_of_files_and_lists(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps(SCENARIO))
    other = {"name": "other", "steps": [{"run": "true"}]}
    (tmp_path / "b.json").write_text(json.dumps([other]))

    scenarios = load_scenarios(tmp_path)

    assert sorted(scenarios) == ["demo", "other"]
    assert scenarios["other"].final == "Done."
    assert scenarios["demo"].steps[1].write == {
        "path": "notes.txt",
        "content": "hello\n",
    }


def test_include_puts_the_named_scenarios_steps_first(tmp_path):
    later = {"name": "both", "include": ["demo"], "steps": [{"run": "true"}]}
    (tmp_path / "a.json").write_text(json.dumps(later))
    (tmp_path / "b.json").write_text(json.dumps(SCENARIO))

    both = load_scenarios(tmp_path)["both"]

    assert [step.run for step in both.steps] == ["git push --force", None, "true"]


def test_including_an_unknown_scenario_is_refused(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps({"name": "x", "include": ["nope"]}))

    with pytest.raises(ValueError, match="x: includes unknown scenario 'nope'"):
        load_scenarios(tmp_path)


def test_the_shipped_scenarios_all_load():
    scenarios = load_scenarios(Path(__file__).parent / "scenarios")

    assert {"commit", "force-push", "reset-hard", "fetch", "tour"} <= set(scenarios)
    assert len(scenarios["tour"].steps) == sum(
        len(scenarios[name].steps)
        for name in ("commit", "force-push", "reset-hard", "fetch")
    )


def test_transcript_pairs_each_claude_tool_call_with_its_result(model):
    url, script = model
    body = claude_body("Blocked by scc: no force push", "")
    body["messages"][1]["content"].insert(0, {"type": "text", "text": "Pushing."})
    body["messages"][1]["content"][1]["input"] = {"command": "git push -f"}
    body["messages"][3]["content"][0]["name"] = "Write"
    body["messages"][3]["content"][0]["input"] = {"file_path": "/repo/a", "content": ""}
    post(f"{url}/v1/messages", body)

    found = exchanges(script.records, "demo")

    assert found == [
        Exchange("Pushing.", "Bash", "git push -f", "Blocked by scc: no force push"),
        Exchange("", "Write", "write /repo/a", ""),
    ]
    assert final_answer(script.records) == "All done."


def test_transcript_reads_codex_function_and_patch_calls(model):
    url, script = model
    body = codex_body("blocked")
    body["input"][1]["arguments"] = json.dumps({"cmd": "git reset --hard"})
    body["input"][2]["call_id"] = "c0"
    post(f"{url}/v1/responses", body)

    found = exchanges(script.records, "demo")

    assert found == [Exchange("", "x", "git reset --hard", "blocked")]
