"""audit: who changed what and when.

Owns no data: it reads the history django-simple-history keeps for the models of
`communes` (memberships), `criteria` (targets, scores, registrations, recognitions) and
`dossiers` (dossiers, items, appraisals), as one list for coordinators over their units
and for the system administrator: the page `/audit/` and its Excel/CSV export.
- which history rows a user may read: `access.py`;
- the list, each row's object and what changed in it: `history.py`.

May import: `communes`, `criteria`, `dossiers`, `ntm.lib`. Never `reports` or `meetings`.
"""
