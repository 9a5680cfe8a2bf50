"""The role rules in permissions.py, per persona (routes: ``test_route_matrix.py``)."""

import pytest

from community import permissions
from tests.conftest import PERSONAS, make_post

ALLOWED = {
    "can_write": {"member", "moderator", "admin", "hostile"},
    "can_moderate": {"moderator", "admin"},
    "can_grant_roles": {"admin"},
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("rule", sorted(ALLOWED))
def test_role_rules(app, personas, persona, rule):
    from flask_login import AnonymousUserMixin

    user = personas[persona] or AnonymousUserMixin()
    assert getattr(permissions, rule)(user) is (persona in ALLOWED[rule])


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_author_edits_a_post(app, personas, persona):
    from flask_login import AnonymousUserMixin

    post = make_post(personas["member"])
    user = personas[persona] or AnonymousUserMixin()
    assert permissions.can_edit_post(user, post) is (persona == "member")


def test_suspended_author_cannot_edit_own_post(app, personas):
    post = make_post(personas["suspended"])
    assert permissions.can_edit_post(personas["suspended"], post) is False
