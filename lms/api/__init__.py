"""JSON API v1 under ``/api/v1``: Bearer tokens or the browser session, same access rules."""
