"""Pure rules about tenants."""

# First URL segments that belong to the platform, never to a municipality.
RESERVED_SLUGS = frozenset(
    {"admin", "static", "media", "dev", "i18n", "api", "bench", "favicon.ico", "robots.txt"}
)
