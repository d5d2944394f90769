"""Browser end-to-end tests (Playwright on Debian's chromium)."""
