"""Every action a service records in an organisation's action log reads as a sentence there."""

from __future__ import annotations

import ast
from pathlib import Path

from townhall.accounts.models import Account, OrganisationAction
from townhall.accounts.templatetags.townhall_accounts import action_text

ROOT = Path(__file__).resolve().parents[2] / "townhall"


def recorded_actions() -> set[str]:
    """The ``action=`` strings of every call in townhall's code, however they are chosen."""
    found: set[str] = set()
    for path in ROOT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            for keyword in node.keywords:
                if keyword.arg != "action":
                    continue
                found |= {
                    c.value
                    for c in ast.walk(keyword.value)
                    if isinstance(c, ast.Constant) and isinstance(c.value, str) and "." in c.value
                }
    return found


def test_every_recorded_action_has_a_sentence() -> None:
    actions = recorded_actions()
    assert {"video.post", "follow.create", "comment.delete", "block.create"} <= actions
    actor = Account(handle="ann", display_name="Ann")
    subject = Account(handle="bob", display_name="Bob")
    fallbacks = [
        name
        for name in sorted(actions)
        if action_text(OrganisationAction(action=name, actor=actor, subject=subject))
        == f"@ann: {name}"
    ]
    assert not fallbacks, f"no sentence in townhall_accounts.action_text for: {fallbacks}"
