"""Browse the history: server-rendered pages, Atom feeds and a JSON API (read-only).

``web.app.create_app(store, token=None)`` builds the Flask app; ``policywatch serve`` runs it
under waitress. URL scheme: docs/web.md.
"""
