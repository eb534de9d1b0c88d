"""dossiers: the evidence a commune submits, and its appraisal by the province.

Owns dossiers, their items, versioned documents, the workflow log and the provincial
departments' appraisals. One home per rule:
- who may prepare, upload, review, coordinate: `access.py`;
- each workflow step and its checks: `services.py`;
- completeness ("hồ sơ 19/19 tiêu chí") and appraisal counts ("đã gửi 8/17 ngành"):
  `progress.py`.

May import: `communes`, `criteria`, `ntm.lib`. Never `reports` or `meetings`.
"""
