"""Schemathesis over every operation of the OpenAPI, as every role, against seeded records.

Every generated request, valid or not, is sent with each role's bearer token in turn. Its
ids (path, query and body fields named ``*_id``) are kept as generated or swapped for a
seeded record of either operator, so requests reach records that exist about half the
time. No answer may be a server error, and every answer must be one the OpenAPI
documents: its status code, content type, headers and body. ``make test`` runs a few
examples per operation, always the same ones; ``TIGHTNUT_FUZZ_EXAMPLES=200`` runs a
deeper, randomised search that also shrinks what it finds.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from reliability.api.seed import World
from reliability.api.spec import aim, id_kind
from reliability.api.target import OPERATIONS
from tightnut.auth.models import Role

EXAMPLES_ENV = "TIGHTNUT_FUZZ_EXAMPLES"
QUICK_EXAMPLES = 10
EXAMPLES = int(os.environ.get(EXAMPLES_ENV, QUICK_EXAMPLES))
DEEP = EXAMPLES > QUICK_EXAMPLES
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

PHASES = (
    (Phase.explicit, Phase.generate, Phase.shrink) if DEEP else (Phase.explicit, Phase.generate)
)


@pytest.mark.parametrize("label", list(OPERATIONS))
def test_no_server_error_and_every_answer_is_documented(label: str, fresh: World) -> None:
    """Generated requests, each sent as every role: no 5xx; status, headers, body as documented."""
    operation = OPERATIONS[label]
    generated = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )
    seeded = _seeded_ids(fresh)

    @settings(
        max_examples=EXAMPLES,
        phases=PHASES,
        deadline=None,
        derandomize=not DEEP,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=generated, data=st.data())
    def each_role_sends(case: Case, data: st.DataObject) -> None:
        _aim_at(case, seeded, data)
        for role in Role:
            case.call_and_validate(headers=fresh.home.logins[role].headers, checks=CHECKS)

    each_role_sends()


def _seeded_ids(world: World) -> dict[str, list[int]]:
    kinds = world.home.ids.keys() | world.away.ids.keys()
    return {kind: world.home.ids.get(kind, []) + world.away.ids.get(kind, []) for kind in kinds}


def _aim_at(case: Case, seeded: dict[str, list[int]], data: st.DataObject) -> None:
    """Keep each generated id, or swap it for a seeded record of either operator."""

    def choose(kind: str, generated: object) -> object:
        if kind not in seeded:
            return generated
        return data.draw(st.one_of(st.just(generated), st.sampled_from(seeded[kind])))

    for name, value in list((case.path_parameters or {}).items()):
        if (kind := id_kind(name)) is not None:
            case.path_parameters[name] = choose(kind, value)
    if case.query:
        case.query = aim(case.query, choose)
    if isinstance(case.body, dict | list):
        case.body = aim(case.body, choose)
