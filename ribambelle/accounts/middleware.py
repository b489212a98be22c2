"""Signed-in devices (accounts.DeviceSession) on each request, without a write per request."""

import time

from django.contrib.auth import logout

from ribambelle.accounts import rules, selectors, services
from ribambelle.accounts.backends import client_ip

DEVICE_SESSION_KEY = "_device_session"
DEVICE_AGENT_KEY = "_device_agent"
DEVICE_SEEN_KEY = "_device_seen_at"
TOUCH_SECONDS = 5 * 60


def device_session_begin(request, user, *, remembered: bool) -> None:
    """After login(): record this browser and bind the session to it."""
    agent = request.headers.get("User-Agent", "")
    device = services.device_session_start(
        user=user,
        session_key=request.session.session_key,
        user_agent=agent,
        ip=client_ip(request),
        remembered=remembered,
    )
    request.session[DEVICE_SESSION_KEY] = device.pk
    request.session[DEVICE_AGENT_KEY] = agent
    request.session[DEVICE_SEEN_KEY] = time.time()


class DeviceSessionMiddleware:
    """A session started on one browser is bound to it: a request from another browser or
    system (a copied cookie) ends it. Every TOUCH_SECONDS the device's row is read: gone (signed
    out from "Mon compte", though its session should already be deleted) ends the session too;
    present, its last use is updated. Sessions from before devices were recorded pass as is."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated and DEVICE_SESSION_KEY in request.session:
            self._check(request)
        return self.get_response(request)

    def _check(self, request) -> None:
        session = request.session
        agent = request.headers.get("User-Agent", "")
        if rules.device_of(agent) != rules.device_of(session.get(DEVICE_AGENT_KEY, "")):
            services.device_session_end(user=request.user, session_key=session.session_key)
            logout(request)
            return
        if time.time() - session.get(DEVICE_SEEN_KEY, 0) < TOUCH_SECONDS:
            return
        device = selectors.device_by_key(request.user, session.session_key)
        if device is None or device.pk != session[DEVICE_SESSION_KEY]:
            logout(request)
            return
        services.device_session_touch(device=device, ip=client_ip(request))
        session[DEVICE_SEEN_KEY] = time.time()
