"""A browser's short name from its user agent, and the network it came from."""

import pytest

from ribambelle.accounts.rules import Device, device_of, network_of

FIREFOX_ANDROID = "Mozilla/5.0 (Android 14; Mobile; rv:128.0) Gecko/128.0 Firefox/128.0"
CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


@pytest.mark.parametrize(
    ("agent", "browser", "system"),
    [
        (FIREFOX_ANDROID, "Firefox", "Android"),
        (CHROME_WINDOWS, "Chrome", "Windows"),
        (SAFARI_IPHONE, "Safari", "iPhone"),
        (CHROME_WINDOWS + " Edg/131.0.0.0", "Edge", "Windows"),
        (CHROME_WINDOWS + " OPR/115.0.0.0", "Opera", "Windows"),
        (
            "Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) "
            "SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36",
            "Samsung Internet",
            "Android",
        ),
        (SAFARI_IPHONE.replace("Version/17.5", "CriOS/131.0.6778.73"), "Chrome", "iPhone"),
        (SAFARI_IPHONE.replace("iPhone; CPU iPhone OS", "iPad; CPU OS"), "Safari", "iPad"),
        (
            "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
            "Firefox",
            "Linux",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
            "Gecko) Version/17.5 Safari/605.1.15",
            "Safari",
            "macOS",
        ),
        (
            "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36",
            "Chrome",
            "ChromeOS",
        ),
        ("curl/8.5.0", None, None),
        ("", None, None),
    ],
)
def test_device_of(agent, browser, system):
    assert device_of(agent) == Device(browser, system)


def test_a_browser_update_keeps_the_device():
    assert device_of(CHROME_WINDOWS) == device_of(CHROME_WINDOWS.replace("131.0", "132.0"))
    assert device_of(CHROME_WINDOWS) != device_of(FIREFOX_ANDROID)


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("203.0.113.77", "203.0.113.0/24"),
        ("2001:db8:1234:5678::1", "2001:db8:1234::/48"),
        ("", ""),
        (None, ""),
        ("unknown", ""),
        ("203.0.113.77, 10.0.0.1", ""),
    ],
)
def test_network_of_keeps_no_address(address, network):
    assert network_of(address) == network
