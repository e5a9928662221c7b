"""The repayment run as the CronJob runs it (`job run repayment-run`, for today), on real PostgreSQL and RabbitMQ:
two at once post an instalment once, and a second run the same day posts nothing."""

import threading
from datetime import date

from chassis import clock
from chassis.jobs import jobs_of, run_job
from tests.loans.test_loans_end_to_end import STEPS, ZHANG_WEI


def test_two_repayment_runs_at_once_post_each_instalment_once(loans_world, application_body):
    world = loans_world("real")
    world.feed_depositor(ZHANG_WEI, months=6)
    me = world.depositor_headers(ZHANG_WEI)
    body = application_body(amount="120000.00", term_months=12, method="equal_principal", monthly_income="30000.00")
    application = world.client.post("/api/v1/loans/applications", json=body, headers=me).get_json()
    for to, who in STEPS:
        reply = world.client.post(
            f"/api/v1/loans/staff/applications/{application['id']}/transitions",
            json={"to": to, "opinion": "同意" if to == "approved" else None},
            headers=world.staff_headers(who),
        )
        assert reply.status_code == 200, (to, reply.get_json())
    loan = world.client.get("/api/v1/loans/loans", headers=me).get_json()["items"][0]
    job = jobs_of(world.runtime)["repayment-run"]
    second_pod = world.runtime.service.runtime(world.runtime.config)
    setting = clock.hall_clock.setting()
    try:
        clock.hall_clock.travel_to(date.fromisoformat(loan["first_due_date"]))
        results: list[str] = []
        runs = [
            threading.Thread(target=lambda runtime=runtime: results.append(run_job(runtime, job)))
            for runtime in (world.runtime, second_pod)
        ]
        for run in runs:
            run.start()
        for run in runs:
            run.join(60)
        assert len(results) == 2
        assert "扣款入账 0 期" in run_job(second_pod, job)  # and once more the same day: nothing left to post
    finally:
        clock.hall_clock.restore(setting)
        second_pod.stop()
    assert len(world.events("loans.repayment.posted")) == 1
    assert any("扣款入账 1 期" in result for result in results), results
