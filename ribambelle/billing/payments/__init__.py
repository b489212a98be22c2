"""Online payment: one Provider interface, one implementation per kind of provider."""
