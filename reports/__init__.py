"""reports: what leaders read and print.

Owns the dashboard, the commune scorecard, the printed reports (HTML preview, PDF in the
Nghị định 30/2020 layout, Excel) and the numbered meeting copies (snapshots). Reports
derive nothing themselves: every number comes from `criteria.standing` and
`dossiers.progress`, assembled once in `content.py` and rendered three ways.

May import: `communes`, `criteria`, `dossiers`, `ntm.lib`. Never `meetings`.
"""
