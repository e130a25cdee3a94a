"""Rule ids checked against the guard's catalogue (scc_guard.rules)."""

from __future__ import annotations

from pathlib import Path

import pytest
from scc.config import config_path
from scc.layers import LayerError, OrgConfig, WorkspaceConfig, parse_layer
from scc.merge import resolve_session
from scc_guard import rules


@pytest.mark.parametrize(
    ("model", "text", "expected"),
    [
        (OrgConfig, "name: a\nsecurity: {rules: {git-forse-push: true}}\n",
         "security.rules.git-forse-push.[key]: Value error, unknown guard rule"),
        (OrgConfig, "name: a\nteams: {be: {rules: {nope: false}}}\n",
         "teams.be.rules.nope.[key]: Value error, unknown guard rule 'nope'"),
        (WorkspaceConfig, "rules: {nope: true}\n", "rules.nope.[key]: Value error"),
    ],
)  # fmt: skip
def test_unknown_rule_ids_are_refused(
    model: type[OrgConfig], text: str, expected: str
) -> None:
    with pytest.raises(LayerError) as caught:
        parse_layer(text, model, "f.yaml")
    assert expected in caught.value.message


def test_every_catalogued_rule_id_is_accepted() -> None:
    text = "rules: {" + ", ".join(f"{r}: true" for r in rules.RULES) + "}\n"
    assert set(parse_layer(text, WorkspaceConfig, "f").rules) == set(rules.RULES)


def test_a_rule_the_guard_keeps_on_cannot_be_switched_off(
    tmp_path: Path, workspace: Path
) -> None:
    fixed = next(r.id for r in rules.RULES.values() if not r.switchable)
    org = tmp_path / "org.yaml"
    org.write_text(f"name: a\ndefaults: {{rules: {{{fixed}: false}}}}\n")
    config_path().parent.mkdir(parents=True)
    config_path().write_text(f"org: {org}\n")
    settings = resolve_session(workspace)

    assert fixed not in settings.policy.rules or settings.policy.rules[fixed].enabled
    assert f"org a defaults: rule {fixed} off ignored: the guard keeps it on" in (
        settings.messages
    )
