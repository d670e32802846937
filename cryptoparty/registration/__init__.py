"""Registration: anonymous tickets, capacity and the waitlist, check-in, the JSON API."""
