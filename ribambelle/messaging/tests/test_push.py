"""Web Push: subscriptions per account and browser, the payload encrypted as RFC 8291 requires
and signed with VAPID (RFC 8292), dead subscriptions removed, a reply from a service notified
without its text, and the views' access rules."""

import io
import json

import http_ece
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils
from django.core.management import call_command
from django.urls import reverse
from py_vapid import Vapid01
from pywebpush import WebPushException

from ribambelle.accounts import services as account_services
from ribambelle.accounts import tasks
from ribambelle.accounts.models import PushSubscription
from ribambelle.conftest import logged_in
from ribambelle.messaging import services
from ribambelle.messaging.tests.push_service import Browser, PushService, b64url, unb64url

pytestmark = pytest.mark.django_db

FCM = "https://fcm.googleapis.com/fcm/send/abc:def"


def vapid_keys() -> dict[str, str]:
    out = io.StringIO()
    call_command("vapid_keys", stdout=out)
    return dict(line.split("=", 1) for line in out.getvalue().split())


@pytest.fixture
def keys(settings):
    pair = vapid_keys()
    settings.VAPID_PRIVATE_KEY = pair["VAPID_PRIVATE_KEY"]
    settings.VAPID_PUBLIC_KEY = pair["VAPID_PUBLIC_KEY"]
    settings.VAPID_SUBJECT = "mailto:enfance@ville-a.fr"
    return pair


@pytest.fixture
def push_service():
    service = PushService()
    yield service
    service.close()


def subscribe(user, push_service, browser, name="a"):
    return account_services.push_subscription_save(
        user=user,
        endpoint=f"{push_service.url}/push/{name}",
        p256dh=browser.p256dh,
        auth=browser.auth,
        user_agent="Firefox",
    )


def verify_vapid(authorization: str, public_key: str, audience: str) -> dict:
    """`vapid t=<JWT ES256>, k=<public key>`: the token is signed by the key it names."""
    assert authorization.startswith("vapid ")
    fields = dict(part.strip().split("=", 1) for part in authorization[6:].split(","))
    assert fields["k"] == public_key
    header, payload, signature = fields["t"].split(".")
    raw = unb64url(signature)
    der = utils.encode_dss_signature(int.from_bytes(raw[:32]), int.from_bytes(raw[32:]))
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(public_key))
    key.verify(der, f"{header}.{payload}".encode(), ec.ECDSA(hashes.SHA256()))
    claims = json.loads(unb64url(payload))
    assert claims["aud"] == audience and claims["sub"] == "mailto:enfance@ville-a.fr"
    return claims


def test_vapid_keys_command_prints_a_usable_pair():
    pair = vapid_keys()
    vapid = Vapid01.from_string(pair["VAPID_PRIVATE_KEY"])
    assert len(unb64url(pair["VAPID_PUBLIC_KEY"])) == 65
    assert (
        vapid.public_key.public_numbers()
        == ec.EllipticCurvePublicKey.from_encoded_point(
            ec.SECP256R1(), unb64url(pair["VAPID_PUBLIC_KEY"])
        ).public_numbers()
    )


def test_payload_is_encrypted_for_the_browser_and_signed(alice, keys, push_service):
    browser = Browser()
    subscription = subscribe(alice, push_service, browser)
    assert tasks.send_push.call(
        subscription.pk, "Réponse du service Cantine", "/ville-a/messagerie/3/"
    )
    [received] = push_service.received
    assert received.path == "/push/a"
    assert received.headers["content-encoding"] == "aes128gcm"
    assert int(received.headers["ttl"]) == tasks.PUSH_TTL_SECONDS
    assert b"Cantine" not in received.body
    payload = json.loads(browser.decrypt(received.body))
    assert payload == {"title": "Réponse du service Cantine", "url": "/ville-a/messagerie/3/"}
    verify_vapid(received.headers["authorization"], keys["VAPID_PUBLIC_KEY"], push_service.url)
    with pytest.raises(http_ece.ECEException):  # another browser's key cannot read it
        Browser().decrypt(received.body)


def test_a_forged_vapid_token_is_detected(alice, keys, push_service):
    """The check above can fail: the same signature over other claims does not verify."""
    subscription = subscribe(alice, push_service, Browser())
    tasks.send_push.call(subscription.pk, "Titre", "/ville-a/")
    authorization = push_service.received[0].headers["authorization"]
    token = authorization.split("t=", 1)[1].split(",", 1)[0]
    header, _payload, signature = token.split(".")
    forged_claims = {"aud": push_service.url, "exp": 4102444800, "sub": "mailto:x@example.org"}
    forged = ".".join([header, b64url(json.dumps(forged_claims).encode()), signature])
    with pytest.raises(InvalidSignature):
        verify_vapid(
            authorization.replace(token, forged), keys["VAPID_PUBLIC_KEY"], push_service.url
        )


@pytest.mark.parametrize("status", [404, 410])
def test_a_subscription_the_push_service_forgot_is_removed(alice, keys, push_service, status):
    subscription = subscribe(alice, push_service, Browser())
    push_service.status = status
    assert tasks.send_push.call(subscription.pk, "Titre", "/ville-a/") is False
    assert not PushSubscription.objects.exists()


def test_other_failures_are_raised_and_keep_the_subscription(alice, keys, push_service):
    subscription = subscribe(alice, push_service, Browser())
    push_service.status = 500
    with pytest.raises(WebPushException):
        tasks.send_push.call(subscription.pk, "Titre", "/ville-a/")
    assert PushSubscription.objects.filter(pk=subscription.pk).exists()


def test_without_keys_nothing_is_sent(alice, settings, push_service):
    settings.VAPID_PRIVATE_KEY = ""
    subscription = subscribe(alice, push_service, Browser())
    assert tasks.send_push.call(subscription.pk, "Titre", "/ville-a/") is False
    assert push_service.received == []


def test_a_reply_from_a_service_is_pushed_without_its_text(
    alice, bob, agent_a, keys, push_service, conversation_a, django_capture_on_commit_callbacks
):
    alices, bobs = Browser(), Browser()
    subscribe(alice, push_service, alices, "alice")
    subscribe(bob, push_service, bobs, "bob")
    with django_capture_on_commit_callbacks(execute=True):
        services.message_post(
            actor=agent_a,
            conversation=conversation_a,
            body="Bien noté pour l'allergie de Léa",
            is_html=False,
            from_staff=True,
        )
    by_path = {received.path: received for received in push_service.received}
    assert set(by_path) == {"/push/alice", "/push/bob"}
    for browser, path in ((alices, "/push/alice"), (bobs, "/push/bob")):
        payload = json.loads(browser.decrypt(by_path[path].body))
        assert payload == {
            "title": "Réponse du service Restauration scolaire",
            "url": f"/ville-a/messagerie/{conversation_a.pk}/",
        }


def test_a_family_message_is_not_pushed_to_the_family(
    alice, keys, push_service, conversation_a, django_capture_on_commit_callbacks
):
    subscribe(alice, push_service, Browser())
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.message_post(
            actor=alice, conversation=conversation_a, body="Merci", is_html=False, from_staff=False
        )
    assert callbacks  # the staff were notified, the family not
    assert push_service.received == []


class TestViews:
    def url(self, name, municipality):
        return reverse(f"messaging:{name}", args=[municipality.slug])

    def data(self, browser, endpoint=FCM):
        return {"endpoint": endpoint, "p256dh": browser.p256dh, "auth": browser.auth}

    def test_page_offers_notifications_when_keys_are_set(self, alice_client, municipality_a, keys):
        html = alice_client.get(self.url("notifications", municipality_a)).content.decode()
        assert f'data-key="{keys["VAPID_PUBLIC_KEY"]}"' in html
        assert "Activer sur cet appareil" in html

    def test_page_says_when_the_municipality_has_no_keys(
        self, alice_client, municipality_a, settings
    ):
        settings.VAPID_PUBLIC_KEY = ""
        html = alice_client.get(self.url("notifications", municipality_a)).content.decode()
        assert "pas encore mis en place les notifications" in html
        assert "Activer sur cet appareil" not in html

    def test_subscribe_then_unsubscribe_stops_the_pushes(
        self,
        alice,
        alice_client,
        municipality_a,
        keys,
        push_service,
        agent_a,
        conversation_a,
        django_capture_on_commit_callbacks,
    ):
        browser = Browser()
        response = alice_client.post(
            self.url("push_subscribe", municipality_a),
            self.data(browser),
            HTTP_USER_AGENT="Firefox/128.0",
        )
        assert response.status_code == 204
        subscription = PushSubscription.objects.get(user=alice)
        assert subscription.endpoint == FCM and subscription.user_agent == "Firefox/128.0"
        subscription.endpoint = f"{push_service.url}/push/a"  # the stub stands in for FCM
        subscription.save()
        unsubscribe = alice_client.post(
            self.url("push_unsubscribe", municipality_a), {"endpoint": subscription.endpoint}
        )
        assert unsubscribe.status_code == 204
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            services.message_post(
                actor=agent_a,
                conversation=conversation_a,
                body="Oui",
                is_html=False,
                from_staff=True,
            )
        assert callbacks
        assert push_service.received == []
        assert not PushSubscription.objects.exists()

    @pytest.mark.parametrize(
        "endpoint",
        [
            "http://fcm.googleapis.com/fcm/send/x",
            "https://127.0.0.1/push/x",
            "https://evil.example/fcm.googleapis.com/x",
            "https://fcm.googleapis.com.evil.example/x",
            "pas une adresse",
        ],
    )
    def test_an_endpoint_outside_the_push_services_is_refused(
        self, alice_client, municipality_a, endpoint
    ):
        response = alice_client.post(
            self.url("push_subscribe", municipality_a), self.data(Browser(), endpoint)
        )
        assert response.status_code == 400
        assert not PushSubscription.objects.exists()

    def test_another_accounts_subscription_cannot_be_removed(
        self, alice_client, bob, municipality_a
    ):
        account_services.push_subscription_save(
            user=bob, endpoint=FCM, p256dh=Browser().p256dh, auth=Browser().auth, user_agent=""
        )
        response = alice_client.post(
            self.url("push_unsubscribe", municipality_a), {"endpoint": FCM}
        )
        assert response.status_code == 404
        assert PushSubscription.objects.filter(user=bob).exists()

    def test_other_municipality_404(self, charlie, municipality_a):
        client = logged_in(charlie)
        assert client.get(self.url("notifications", municipality_a)).status_code == 404
        response = client.post(self.url("push_subscribe", municipality_a), self.data(Browser()))
        assert response.status_code == 404
        assert client.post(self.url("push_unsubscribe", municipality_a)).status_code == 404
        assert not PushSubscription.objects.exists()

    def test_staff_403(self, agent_client, municipality_a):
        assert agent_client.get(self.url("notifications", municipality_a)).status_code == 403
        response = agent_client.post(
            self.url("push_subscribe", municipality_a), self.data(Browser())
        )
        assert response.status_code == 403
        assert not PushSubscription.objects.exists()

    def test_post_only(self, alice_client, municipality_a):
        assert alice_client.get(self.url("push_subscribe", municipality_a)).status_code == 405
        assert alice_client.get(self.url("push_unsubscribe", municipality_a)).status_code == 405


def test_deadline_reminder_new_invoice_and_payment_are_pushed(
    alice, household_a, municipality_a, keys, push_service
):
    from ribambelle.billing.payments.tasks import send_payment_received
    from ribambelle.billing.tasks import send_invoice_issued
    from ribambelle.billing.tests.factories import InvoiceFactory, PaymentFactory
    from ribambelle.bookings.tasks import send_booking_reminder

    browser = Browser()
    subscribe(alice, push_service, browser)  # bob has no subscription
    week = "http://testserver/ville-a/reservations/?semaine=2026-11-30"
    send_booking_reminder.call(household_a.pk, "2026-11-30", "2026-11-28T23:59:00+01:00", week)
    invoice = InvoiceFactory(
        office__municipality=municipality_a, household=household_a, number="F-2026-00042"
    )
    send_invoice_issued.call(invoice.pk)
    send_payment_received.call(PaymentFactory(invoice=invoice).pk)
    payloads = [json.loads(browser.decrypt(received.body)) for received in push_service.received]
    assert payloads == [
        {"title": "Pensez à réserver pour la semaine du lundi 30 novembre", "url": week},
        {"title": "Une nouvelle facture est disponible", "url": "/ville-a/factures/"},
        {"title": "Votre paiement a bien été reçu", "url": "/ville-a/factures/"},
    ]
    assert "F-2026-00042" not in json.dumps(payloads)
