"""Staying signed in: "Rester connecté sur cet appareil", the devices listed in "Mon compte",
signing one or all of them out, and the password asked again for sensitive actions."""

import datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ribambelle.accounts.models import DeviceSession
from ribambelle.accounts.tests.test_device_rules import (
    CHROME_WINDOWS,
    FIREFOX_ANDROID,
    SAFARI_IPHONE,
)
from ribambelle.conftest import PASSWORD, logged_in, make_user

pytestmark = pytest.mark.django_db

STRONG = "Kp4#vZ9!mQ2wXy"
DAY = 24 * 3600


def url(name, municipality, **kwargs):
    return reverse(f"accounts:{name}", kwargs={"municipality_slug": municipality.slug, **kwargs})


def signed_in(user, *, agent=FIREFOX_ANDROID, remember=False, address="203.0.113.77") -> Client:
    client = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=address)
    data = {"email": user.email, "password": PASSWORD}
    if remember:
        data["remember"] = "on"
    response = client.post(url("login", user.municipality), data)
    assert response.status_code == 302, response.content.decode()
    return client


def home_of(client, municipality):
    return client.get(reverse("portal:home", args=[municipality.slug]))


def sent_to_login(response, municipality) -> bool:
    return response.status_code == 302 and response["Location"].startswith(
        url("login", municipality)
    )


class TestRememberMe:
    def test_the_box_is_on_the_login_form_and_unticked(self, client, municipality_a):
        html = client.get(url("login", municipality_a)).content.decode()
        assert "Rester connecté sur cet appareil" in html
        box = html.split('<input type="checkbox" name="remember"', 1)[1].split(">", 1)[0]
        assert 'id="id_remember"' in box and "checked" not in box

    def test_ticked_gives_a_30_day_session_bound_to_the_device(self, alice, municipality_a):
        client = signed_in(alice, remember=True)
        assert 30 * DAY - 60 <= client.session.get_expiry_age() <= 30 * DAY
        assert not client.session.get_expire_at_browser_close()
        cookie = client.cookies["sessionid"]
        assert 30 * DAY - 60 <= int(cookie["max-age"]) <= 30 * DAY
        device = DeviceSession.objects.get(user=alice)
        assert device.remembered
        assert device.session_key == client.session.session_key
        assert device.user_agent == FIREFOX_ANDROID
        assert device.network == "203.0.113.0/24"

    def test_still_signed_in_after_29_days_not_after_31(self, alice, municipality_a):
        client = signed_in(alice, remember=True)
        with time_machine.travel(timezone.now() + datetime.timedelta(days=29)):
            assert home_of(client, municipality_a).status_code == 200
        with time_machine.travel(timezone.now() + datetime.timedelta(days=31)):
            assert sent_to_login(home_of(client, municipality_a), municipality_a)

    def test_unticked_ends_with_the_browser_as_before(self, alice, municipality_a, settings):
        client = signed_in(alice)
        assert client.session.get_expire_at_browser_close()
        assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE
        assert client.cookies["sessionid"]["max-age"] == ""
        assert not DeviceSession.objects.get(user=alice).remembered


class TestDeviceList:
    def test_lists_each_browser_with_its_last_use(self, alice, bob, municipality_a):
        phone = signed_in(alice, agent=FIREFOX_ANDROID, remember=True)
        signed_in(alice, agent=CHROME_WINDOWS)
        signed_in(bob, agent=SAFARI_IPHONE)
        html = phone.get(url("account", municipality_a)).content.decode()
        assert "Firefox sur Android" in html
        assert "Chrome sur Windows" in html
        assert "Safari sur iPhone" not in html  # bob's
        assert html.count("cet appareil</span>") == 1
        assert html.count("Déconnecter cet appareil") == 2
        assert "Reste connecté 30 jours" in html
        assert "Jusqu'à la fermeture du navigateur" in html
        assert "Dernière utilisation le" in html

    def test_ended_sessions_are_not_listed(self, alice, municipality_a):
        phone = signed_in(alice, agent=FIREFOX_ANDROID)
        laptop = signed_in(alice, agent=CHROME_WINDOWS)
        laptop.post(url("logout", municipality_a))
        html = phone.get(url("account", municipality_a)).content.decode()
        assert "Chrome sur Windows" not in html
        assert DeviceSession.objects.filter(user=alice).count() == 1

    def test_last_use_is_written_every_few_minutes_not_on_each_request(self, alice, municipality_a):
        start = timezone.now()
        with time_machine.travel(start, tick=False) as traveller:
            client = signed_in(alice)
            device = DeviceSession.objects.get(user=alice)
            traveller.shift(datetime.timedelta(minutes=2))
            home_of(client, municipality_a)
            device.refresh_from_db()
            assert device.last_used_at == start
            traveller.shift(datetime.timedelta(minutes=4))
            home_of(client, municipality_a)
            device.refresh_from_db()
            assert device.last_used_at == start + datetime.timedelta(minutes=6)

    def test_a_copied_cookie_in_another_browser_is_signed_out(self, alice, municipality_a):
        phone = signed_in(alice, agent=FIREFOX_ANDROID)
        thief = Client(HTTP_USER_AGENT=CHROME_WINDOWS)
        thief.cookies["sessionid"] = phone.cookies["sessionid"].value
        assert sent_to_login(home_of(thief, municipality_a), municipality_a)
        assert sent_to_login(home_of(phone, municipality_a), municipality_a)
        assert not DeviceSession.objects.filter(user=alice).exists()

    def test_a_browser_update_stays_signed_in(self, alice, municipality_a):
        laptop = signed_in(alice, agent=CHROME_WINDOWS)
        laptop.defaults["HTTP_USER_AGENT"] = CHROME_WINDOWS.replace("131.0", "132.0")
        assert "Bonjour Alice" in home_of(laptop, municipality_a).content.decode()
        assert DeviceSession.objects.filter(user=alice).exists()

    def test_staff_see_their_devices_too(self, agent_a, municipality_a):
        client = signed_in(agent_a, agent=CHROME_WINDOWS)
        assert "Chrome sur Windows" in client.get(url("account", municipality_a)).content.decode()


class TestSignOut:
    def test_one_device_then_its_next_request_goes_to_login(self, alice, municipality_a):
        phone = signed_in(alice, agent=FIREFOX_ANDROID)
        laptop = signed_in(alice, agent=CHROME_WINDOWS)
        device = DeviceSession.objects.get(user=alice, user_agent=CHROME_WINDOWS)
        response = phone.post(url("device_logout", municipality_a, pk=device.pk))
        assert response.status_code == 302
        assert response["Location"] == url("account", municipality_a)
        page = phone.get(response["Location"]).content.decode()
        assert "L&#x27;appareil a été déconnecté." in page
        assert sent_to_login(home_of(laptop, municipality_a), municipality_a)
        assert home_of(phone, municipality_a).status_code == 200

    def test_this_device_signs_out_like_the_button(self, alice, municipality_a):
        phone = signed_in(alice)
        device = DeviceSession.objects.get(user=alice)
        response = phone.post(url("device_logout", municipality_a, pk=device.pk))
        assert response["Location"] == url("login", municipality_a)
        assert sent_to_login(home_of(phone, municipality_a), municipality_a)
        assert not DeviceSession.objects.exists()

    def test_all_devices_at_once(self, alice, bob, municipality_a):
        phone = signed_in(alice, agent=FIREFOX_ANDROID, remember=True)
        laptop = signed_in(alice, agent=CHROME_WINDOWS)
        bobs = signed_in(bob)
        response = phone.post(url("devices_logout", municipality_a))
        assert response["Location"] == url("login", municipality_a)
        for client in (phone, laptop):
            assert sent_to_login(home_of(client, municipality_a), municipality_a)
        assert home_of(bobs, municipality_a).status_code == 200
        assert not DeviceSession.objects.filter(user=alice).exists()

    def test_a_password_change_signs_every_other_device_out(self, alice, municipality_a):
        phone = signed_in(alice, agent=FIREFOX_ANDROID)
        laptop = signed_in(alice, agent=CHROME_WINDOWS, remember=True)
        change = url("password_change", municipality_a)
        data = {"method": "own", "password": STRONG, "password_confirm": STRONG}
        assert phone.post(f"{change}enregistrer/", data).status_code == 302
        assert sent_to_login(home_of(laptop, municipality_a), municipality_a)
        account = phone.get(url("account", municipality_a))
        assert account.status_code == 200
        html = account.content.decode()
        assert "Vos autres appareils ont été déconnectés" in html
        assert "Chrome sur Windows" not in html and "cet appareil</span>" in html
        assert DeviceSession.objects.get(user=alice).session_key == phone.session.session_key

    def test_a_new_password_from_a_link_signs_every_device_out(self, alice, municipality_a):
        from ribambelle.accounts import services

        phone = signed_in(alice, remember=True)
        services.user_set_password(user=alice, password=STRONG)
        assert sent_to_login(home_of(phone, municipality_a), municipality_a)
        assert not DeviceSession.objects.exists()

    def test_another_accounts_device_is_404(self, alice, bob, charlie, municipality_a):
        bobs = signed_in(bob)
        device = DeviceSession.objects.get(user=bob)
        alices = signed_in(alice)
        assert alices.post(url("device_logout", municipality_a, pk=device.pk)).status_code == 404
        charlies = logged_in(charlie)
        assert charlies.post(url("device_logout", municipality_a, pk=device.pk)).status_code == 404
        assert charlies.post(url("devices_logout", municipality_a)).status_code == 404
        assert home_of(bobs, municipality_a).status_code == 200
        assert DeviceSession.objects.filter(user=bob).exists()

    def test_an_account_without_a_role_here_is_403(self, municipality_a):
        roleless = make_user(municipality_a, "sans-role@example.org", role="")
        client = logged_in(roleless)
        assert client.get(url("account", municipality_a)).status_code == 403
        assert client.post(url("device_logout", municipality_a, pk=1)).status_code == 403
        assert client.post(url("devices_logout", municipality_a)).status_code == 403

    def test_anonymous_goes_to_login_and_get_is_refused(self, client, alice, municipality_a):
        assert sent_to_login(client.post(url("devices_logout", municipality_a)), municipality_a)
        alices = signed_in(alice)
        device = DeviceSession.objects.get(user=alice)
        assert alices.get(url("device_logout", municipality_a, pk=device.pk)).status_code == 405
        assert alices.get(url("devices_logout", municipality_a)).status_code == 405
        assert home_of(alices, municipality_a).status_code == 200


class TestReauthentication:
    def test_password_asked_again_15_minutes_after_login(self, alice, municipality_a):
        change = url("password_change", municipality_a)
        start = timezone.now()
        with time_machine.travel(start, tick=False) as traveller:
            client = signed_in(alice, remember=True)
            traveller.shift(datetime.timedelta(minutes=14))
            assert "Mot de passe actuel" not in client.get(change).content.decode()
            traveller.shift(datetime.timedelta(minutes=2))
            asked = client.get(change).content.decode()
            assert "Mot de passe actuel" in asked
            data = {"method": "own", "password": STRONG, "password_confirm": STRONG}
            step = client.post(f"{change}enregistrer/", data)
            assert step.status_code == 302 and step["Location"] == change
            alice.refresh_from_db()
            assert alice.check_password(PASSWORD)
            wrong = client.post(change, {"current_password": "nope"})
            assert wrong.status_code == 400
            assert "Mot de passe incorrect" in wrong.content.decode()
            assert client.post(change, {"current_password": PASSWORD})["Location"] == change
            assert client.post(f"{change}enregistrer/", data).status_code == 302
            alice.refresh_from_db()
            assert alice.check_password(STRONG)

    def test_the_confirmation_lasts_15_minutes(self, alice, municipality_a):
        change = url("password_change", municipality_a)
        start = timezone.now()
        with time_machine.travel(start, tick=False) as traveller:
            client = signed_in(alice, remember=True)
            traveller.shift(datetime.timedelta(days=3))
            client.post(change, {"current_password": PASSWORD})
            traveller.shift(datetime.timedelta(minutes=10))
            assert "Mot de passe actuel" not in client.get(change).content.decode()
            traveller.shift(datetime.timedelta(minutes=6))
            assert "Mot de passe actuel" in client.get(change).content.decode()

    def test_a_login_elsewhere_does_not_refresh_this_device(self, alice, municipality_a):
        change = url("password_change", municipality_a)
        start = timezone.now()
        with time_machine.travel(start, tick=False) as traveller:
            phone = signed_in(alice, agent=FIREFOX_ANDROID, remember=True)
            traveller.shift(datetime.timedelta(hours=1))
            signed_in(alice, agent=CHROME_WINDOWS)
            assert "Mot de passe actuel" in phone.get(change).content.decode()
