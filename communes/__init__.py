"""communes: where things are and who works there.

Owns provinces, districts, communes (with validity dates and predecessors), villages,
departments and memberships, and the one access core every other app builds on
(`access.py`: `access_for(user)`, `grant()`, `get_commune_for_user`).

May import: Django, third-party packages and `ntm.lib` only. Every other app imports
from here; nothing here imports them (communes ← criteria ← dossiers ← reports ← meetings).
"""
