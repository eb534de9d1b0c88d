"""criteria: what is measured, and how each place stands.

Owns the criteria library (sets, criteria, indicators, targets), scores with their
history, registrations and recognitions. One home per rule:
- the target that applies: `Indicator.target_for`;
- a value's status and its override: `Score.assess`;
- the standing, counts, verdict, bands and "registered this year": `standing.py`;
- who may see, enter, verify, edit and import: `access.py`;
- workflows over several models (copying a set, recording and verifying scores,
  confirming a registration): `services.py`.

May import: `communes`, `ntm.lib`. Never `dossiers`, `reports` or `meetings`.
"""
