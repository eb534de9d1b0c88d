"""notifications: telling people what waits for them, in the app and by email.

Owns the in-app notices and each user's choice to receive them by email. Other apps
call `services.notify(...)` when something happens that someone must act on (a dossier
submitted, returned, accepted, an appraisal recorded, a result to verify, a deadline
near); `services.people(...)` names who that is from their memberships.

May import: `communes`, `ntm.lib`. criteria, dossiers and meetings import it.
"""
