"""People, organisations, roles and sign-in."""
