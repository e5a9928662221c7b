"""The staff API drives the workflow: only the flow chart's steps, by the right role, with opinions to reject,
four eyes at approval, and one winner when two officers act on the same case at once."""

import threading

import pytest
from sqlalchemy import func, select

from chassis.bus.tables import outbox
from services.loans.domain.workflow import STEPS, ApplicationState
from services.loans.models import ApplicationTransition

ZHANG_WEI = {"account_no": "640100000001", "id_number": "640105198506153219", "name": "张伟", "center": "yinchuan"}
PATH = [
    ("prereviewed", "officer1"),
    ("accepted", "officer1"),
    ("preliminarily_approved", "officer1"),
    ("approved", "approver1"),
    ("contract_signed", "bank1"),
    ("mortgage_registered", "bank1"),
    ("disbursed", "bank1"),
]
LEGAL = {(step.source.value, step.target.value) for step in STEPS}


def submit(world, application_body) -> dict:
    reply = world.client.post(
        "/api/v1/loans/applications", json=application_body(), headers=world.depositor_headers(ZHANG_WEI)
    )
    assert reply.status_code == 201, reply.get_json()
    return reply.get_json()


def move(world, application_id, to, who, **extra):
    return world.client.post(
        f"/api/v1/loans/staff/applications/{application_id}/transitions",
        json={"to": to, **extra},
        headers=world.tokens.staff(f"staff:{who}", "admin") if who == "admin" else world.staff_headers(who),
    )


@pytest.fixture
def world(loans_world):
    world = loans_world("embedded")
    world.feed_depositor(ZHANG_WEI)
    return world


def test_every_illegal_transition_is_refused(world, application_body):
    application = submit(world, application_body)
    targets = [state.value for state in ApplicationState]
    for step_index in range(len(PATH) + 1):
        state = "submitted" if step_index == 0 else PATH[step_index - 1][0]
        for target in targets:
            if (state, target) in LEGAL:
                continue
            # admin holds every staff role, so nothing but the flow chart can be the reason
            reply = move(world, application["id"], target, "admin", opinion="测试")
            assert reply.status_code in (409, 422), (state, target, reply.get_json())
            assert reply.get_json()["code"] == "ILLEGAL_TRANSITION", (state, target)
        if step_index < len(PATH):
            to, who = PATH[step_index]
            assert move(world, application["id"], to, who).status_code == 200
    detail = world.client.get(
        f"/api/v1/loans/staff/applications/{application['id']}", headers=world.staff_headers("officer1")
    ).get_json()
    assert detail["status"] == "disbursed"


def test_unknown_target_state_is_a_validation_error(world, application_body):
    application = submit(world, application_body)
    reply = move(world, application["id"], "teleported", "officer1")
    assert reply.status_code == 422 and reply.get_json()["code"] == "UNKNOWN_STATE"


def test_each_step_belongs_to_its_role(world, application_body):
    application = submit(world, application_body)
    refused = move(world, application["id"], "prereviewed", "bank1")
    assert refused.status_code == 403 and refused.get_json()["code"] == "ROLE_NOT_ALLOWED"
    depositor = world.client.post(
        f"/api/v1/loans/staff/applications/{application['id']}/transitions",
        json={"to": "prereviewed"},
        headers=world.depositor_headers(ZHANG_WEI),
    )
    assert depositor.status_code == 403


def test_rejection_needs_an_opinion_that_the_applicant_sees(world, application_body):
    application = submit(world, application_body)
    refused = move(world, application["id"], "rejected", "officer1", opinion="  ")
    assert refused.status_code == 422 and refused.get_json()["code"] == "OPINION_REQUIRED"
    assert move(world, application["id"], "rejected", "officer1", opinion="购房合同与申请信息不符").status_code == 200
    seen = world.client.get(
        f"/api/v1/loans/applications/{application['id']}", headers=world.depositor_headers(ZHANG_WEI)
    ).get_json()
    assert seen["status_label"] == "未通过"
    assert seen["timeline"][-1]["opinion"] == "购房合同与申请信息不符"
    assert world.events("loans.application.rejected") == ["loans.application.rejected"]


def test_approver_cannot_be_the_preliminary_reviewer(world, application_body):
    application = submit(world, application_body)
    both = world.tokens.staff("staff:double", "loan_officer", "loan_approver")
    for to in ("prereviewed", "accepted", "preliminarily_approved"):
        reply = world.client.post(
            f"/api/v1/loans/staff/applications/{application['id']}/transitions", json={"to": to}, headers=both
        )
        assert reply.status_code == 200
    refused = world.client.post(
        f"/api/v1/loans/staff/applications/{application['id']}/transitions", json={"to": "approved"}, headers=both
    )
    assert refused.status_code == 403 and refused.get_json()["code"] == "FOUR_EYES_VIOLATION"
    assert move(world, application["id"], "approved", "approver1").status_code == 200


def test_a_decision_on_a_stale_page_is_a_conflict(world, application_body):
    application = submit(world, application_body)
    version = application["version"]
    assert move(world, application["id"], "prereviewed", "officer1", version=version).status_code == 200
    stale = move(world, application["id"], "rejected", "officer2", opinion="材料不全", version=version)
    assert stale.status_code == 409 and stale.get_json()["code"] == "VERSION_CONFLICT"


def test_prereview_publishes_the_materials_to_bring(world, application_body):
    application = submit(world, application_body)
    reply = move(world, application["id"], "prereviewed", "officer1")
    assert reply.get_json()["materials"]
    with world.runtime.db.transaction() as session:
        envelope = session.scalar(select(outbox.c.envelope).where(outbox.c.type == "loans.application.prereviewed"))
    assert "购房合同" in envelope


def race(world, application_id: str) -> list[int]:
    """officer1 and officer2 both pass the pre-review of the same case, released at the same instant: whether the
    second reads before or after the first commits, it must not move the case again (409 either way)."""
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def act(who: str, to: str, opinion: str | None) -> None:
        client = world.hall.client("loans")
        barrier.wait()
        reply = client.post(
            f"/api/v1/loans/staff/applications/{application_id}/transitions",
            json={"to": to, "opinion": opinion},
            headers=world.staff_headers(who),
        )
        statuses.append(reply.status_code)

    threads = [
        threading.Thread(target=act, args=("officer1", "prereviewed", None)),
        threading.Thread(target=act, args=("officer2", "prereviewed", None)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


@pytest.mark.real
def test_two_officers_at_once_get_one_success_and_one_conflict(loans_world, application_body):
    world = loans_world("real")
    world.feed_depositor(ZHANG_WEI, months=6)
    for round_no in range(3):
        application = submit(world, application_body)
        statuses = race(world, application["id"])
        assert sorted(statuses) == [200, 409], f"round {round_no}: {statuses}"
        with world.runtime.db.transaction() as session:
            moves = session.scalar(
                select(func.count())
                .select_from(ApplicationTransition)
                .where(ApplicationTransition.application_id == application["id"])
            )
        assert moves == 2  # submitted + exactly one decision
        # let the depositor apply again next round
        cancel = world.client.post(
            f"/api/v1/loans/applications/{application['id']}/cancel", headers=world.depositor_headers(ZHANG_WEI)
        )
        assert cancel.status_code in (200, 409)
