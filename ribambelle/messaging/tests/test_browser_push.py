"""Web Push in Chromium: a push message delivered to the portal's service worker (through the
DevTools protocol, standing in for the push service) shows a notification with the title and a
link into the portal; the "Notifications" page is accessible."""

import json

import pytest
from playwright.sync_api import expect

from ribambelle.portal.tests.test_browser_pwa import installed
from ribambelle.testing.browser import assert_no_axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTIFICATIONS = """() => navigator.serviceWorker.ready
  .then(registration => registration.getNotifications())
  .then(list => list.map(n => ({ title: n.title, url: n.data && n.data.url })))"""


def test_a_push_message_shows_a_notification(new_context, live_server, alice):
    context = new_context()
    context.grant_permissions(["notifications"], origin=live_server.url)
    page = context.new_page()
    installed(page, live_server.url)
    session = context.new_cdp_session(page)
    registrations = []
    session.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.extend(event["registrations"]),
    )
    session.send("ServiceWorker.enable")
    scope = f"{live_server.url}/ville-a/"
    for _attempt in range(200):  # up to 20 s on a loaded machine
        if any(r["scopeURL"] == scope and not r["isDeleted"] for r in registrations):
            break
        page.wait_for_timeout(100)
    registration = next(r for r in registrations if r["scopeURL"] == scope)
    payload = {"title": "Réponse du service Cantine", "url": "/ville-a/messagerie/3/"}
    session.send(
        "ServiceWorker.deliverPushMessage",
        {
            "origin": live_server.url,
            "registrationId": registration["registrationId"],
            "data": json.dumps(payload),
        },
    )
    page.wait_for_function(f"() => ({NOTIFICATIONS})().then(list => list.length > 0)")
    assert page.evaluate(NOTIFICATIONS) == [
        {"title": "Réponse du service Cantine", "url": f"{live_server.url}/ville-a/messagerie/3/"}
    ]


def test_a_link_outside_the_portal_is_replaced_by_the_portal(new_context, live_server, alice):
    context = new_context()
    context.grant_permissions(["notifications"], origin=live_server.url)
    page = context.new_page()
    installed(page, live_server.url)
    page.evaluate("""() => navigator.serviceWorker.ready.then(r => r.active.postMessage("noop"))""")
    session = context.new_cdp_session(page)
    registrations = []
    session.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.extend(event["registrations"]),
    )
    session.send("ServiceWorker.enable")
    for _attempt in range(200):  # up to 20 s on a loaded machine
        if registrations:
            break
        page.wait_for_timeout(100)
    assert registrations, "the service worker's registration was never reported"
    session.send(
        "ServiceWorker.deliverPushMessage",
        {
            "origin": live_server.url,
            "registrationId": registrations[0]["registrationId"],
            "data": json.dumps({"title": "Titre", "url": "https://evil.example/"}),
        },
    )
    page.wait_for_function(f"() => ({NOTIFICATIONS})().then(list => list.length > 0)")
    assert page.evaluate(NOTIFICATIONS)[0]["url"] == f"{live_server.url}/ville-a/"


def test_notifications_page_is_accessible(mobile_page, live_server, alice, settings):
    settings.VAPID_PUBLIC_KEY = (
        "BCHr0s7595J1SfjJGWIu-IFFOTY7ufeVSi9uNcs7W-edXfGNaiEbemDkuzxWwrsPzeR4_1AyvvvyBuvakohBj8k"
    )
    installed(mobile_page, live_server.url)
    mobile_page.get_by_role("link", name="Mon compte").click()
    mobile_page.get_by_role(
        "link", name="Recevoir une notification quand un service vous répond"
    ).click()
    expect(mobile_page.get_by_role("heading", level=1, name="Notifications")).to_be_visible()
    expect(
        mobile_page.get_by_role("button", name="Activer sur cet appareil", exact=True)
    ).to_be_visible()
    assert_no_axe_violations(mobile_page)


FAKE_PUSH_MANAGER = """
(() => {
  // Headless Chromium has no push service to reach: the browser's subscription is stubbed,
  // everything after it (permission, keys, the post with its CSRF token) is real.
  let current = null;
  PushManager.prototype.subscribe = function (options) {
    window.__applicationServerKey = options.applicationServerKey.byteLength;
    current = {
      endpoint: "https://fcm.googleapis.com/fcm/send/navigateur-de-test",
      toJSON() {
        return { endpoint: this.endpoint, keys: { p256dh: "%(p256dh)s", auth: "%(auth)s" } };
      },
      unsubscribe() { current = null; return Promise.resolve(true); },
    };
    return Promise.resolve(current);
  };
  PushManager.prototype.getSubscription = function () { return Promise.resolve(current); };
})();
"""


def test_turning_notifications_on_and_off_from_the_page(new_context, live_server, alice, settings):
    from ribambelle.accounts.models import PushSubscription
    from ribambelle.messaging.tests.push_service import Browser

    settings.VAPID_PUBLIC_KEY = (
        "BCHr0s7595J1SfjJGWIu-IFFOTY7ufeVSi9uNcs7W-edXfGNaiEbemDkuzxWwrsPzeR4_1AyvvvyBuvakohBj8k"
    )
    browser = Browser()
    context = new_context()
    context.grant_permissions(["notifications"], origin=live_server.url)
    context.add_init_script(FAKE_PUSH_MANAGER % {"p256dh": browser.p256dh, "auth": browser.auth})
    page = context.new_page()
    installed(page, live_server.url)
    page.goto(f"{live_server.url}/ville-a/compte/notifications/")
    page.get_by_role("button", name="Activer sur cet appareil", exact=True).click()
    expect(page.get_by_role("status")).to_have_text(
        "Les notifications sont activées sur cet appareil."
    )
    assert page.evaluate("window.__applicationServerKey") == 65
    subscription = PushSubscription.objects.get(user=alice)
    assert subscription.endpoint == "https://fcm.googleapis.com/fcm/send/navigateur-de-test"
    assert subscription.p256dh == browser.p256dh and subscription.auth == browser.auth
    page.get_by_role("button", name="Désactiver sur cet appareil").click()
    expect(page.get_by_role("status")).to_have_text(
        "Les notifications sont désactivées sur cet appareil."
    )
    assert not PushSubscription.objects.exists()
