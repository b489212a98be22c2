"""A provider's notification, read from the request by the view into a NotificationMessage:
the services and the providers never see the Django request."""

from urllib.parse import urlencode

import pytest
from django.test import RequestFactory

from ribambelle.billing.models import Payment
from ribambelle.billing.payments import demo
from ribambelle.billing.payments.base import InvalidNotification, NotificationMessage
from ribambelle.billing.payments.demo import DemoProvider
from ribambelle.billing.payments.eopayment_backends import PayfipProvider, PayzenProvider
from ribambelle.billing.tests.test_payments import issued_invoice
from ribambelle.billing.views.payments import notification_message

FORM = "application/x-www-form-urlencoded"


def test_a_posted_form_and_its_address():
    body = "vads_amount=1350&vads_ext_info_eopayment_trans_id=abc&signature=s%C3%A9"
    request = RequestFactory().post("/n/?idOp=42", body, content_type=FORM)
    message = notification_message(request)
    assert message == NotificationMessage(
        method="POST",
        query={"idOp": "42"},
        form={"vads_amount": "1350", "vads_ext_info_eopayment_trans_id": "abc", "signature": "sé"},
        body=body.encode(),
        query_string="idOp=42",
    )


def test_a_repeated_field_keeps_its_last_value_as_django_does():
    request = RequestFactory().post("/n/?a=1&a=2", "b=1&b=3", content_type=FORM)
    message = notification_message(request)
    assert message.query == {"a": request.GET.get("a")} == {"a": "2"}
    assert message.form == {"b": "3"}


def test_a_multipart_form_keeps_its_raw_body():
    request = RequestFactory().post("/n/", {"idOp": "42"})
    message = notification_message(request)
    assert message.form == {"idOp": "42"}
    assert b'name="idOp"' in message.body and message.query == {}


def test_an_empty_or_undecodable_body():
    request = RequestFactory().post("/n/", b"\xff\xfe", content_type="application/octet-stream")
    message = notification_message(request)
    assert message.body == b"\xff\xfe" and message.form == {}
    empty = RequestFactory().post("/n/", b"", content_type=FORM)
    assert notification_message(empty) == NotificationMessage(method="POST")


@pytest.mark.parametrize(
    ("form", "query", "expected"),
    [
        ({"idOp": "1"}, {"idOp": "2"}, "1"),
        ({}, {"idOp": "2"}, "2"),
        ({"idOp": ""}, {"idOp": "2"}, "2"),
        ({}, {}, ""),
    ],
)
def test_param_prefers_the_posted_form(form, query, expected):
    assert NotificationMessage(method="POST", form=form, query=query).param("idOp") == expected


def test_payfip_looks_for_its_operation_either_way():
    posted = notification_message(RequestFactory().post("/n/", {"idOp": "42"}))
    in_address = notification_message(RequestFactory().post("/n/?idOp=43"))
    assert PayfipProvider.notification_lookup(posted) == {"transaction_id": "42"}
    assert PayfipProvider.notification_lookup(in_address) == {"transaction_id": "43"}
    with pytest.raises(InvalidNotification):
        PayfipProvider.notification_lookup(NotificationMessage(method="POST"))


def test_payzen_reads_its_signed_fields_from_the_body_or_the_address():
    fields = urlencode({"vads_ext_info_eopayment_trans_id": "abc", "vads_amount": "1350"})
    posted = notification_message(RequestFactory().post("/n/", fields, content_type=FORM))
    sent_by_get = notification_message(RequestFactory().get(f"/n/?{fields}"))
    for message in (posted, sent_by_get):
        assert PayzenProvider.notification_lookup(message) == {"reference": "abc"}
    with pytest.raises(InvalidNotification):
        PayzenProvider.notification_lookup(NotificationMessage(method="POST", body=b"x=1"))


@pytest.mark.django_db
def test_the_demo_banks_message_reads_as_if_it_had_been_posted(office_a, household_a):
    invoice = issued_invoice(office_a, household_a)
    payment = Payment.objects.create(
        municipality=invoice.municipality,
        invoice=invoice,
        method=Payment.Method.ONLINE,
        status=Payment.Status.PENDING,
        amount=invoice.total,
        reference="ref42",
        transaction_id="ref42",
        provider="demo",
    )
    sent = demo.notification_message(office_a, payment, Payment.Status.PAID)
    received = notification_message(RequestFactory().post("/n/", sent.body, content_type=FORM))
    assert received.form == sent.form and received.body == sent.body
    assert DemoProvider.notification_lookup(received) == {"reference": "ref42"}
    result = DemoProvider(office_a).handle_notification(received)
    assert (result.reference, result.status, result.amount_cents) == ("ref42", "paid", 1350)
    forged = NotificationMessage(method="POST", form={**sent.form, "amount_cents": "1"})
    with pytest.raises(InvalidNotification):
        DemoProvider(office_a).handle_notification(forged)
