"""Browser fixtures (Playwright + Debian's Chromium). Filled in by the browser-test work."""
