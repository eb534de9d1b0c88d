"""`make load`: the site under 50 simultaneous users, as production runs it.

`python -m tools.load` builds a throwaway PostgreSQL database with the demo district,
starts gunicorn on it (DEBUG off, 3 workers), lets locust's users (locustfile.py) sign
in as the demo accounts and read the dashboard, scorecards, dossiers, the district
report preview and PDFs for a minute, prints requests, errors and p50/p95/p99 per
page, and exits non-zero on any error. Gunicorn is stopped and the database dropped
afterwards, whatever happens.
"""
