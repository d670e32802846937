"""Events: planning an event, its sessions and workshops; the public program and home page."""
