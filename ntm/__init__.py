"""ntm: the project: settings, URLs, and helpers shared by every app in `ntm/lib/`
(text folding, the spreadsheet files of DESIGN §5, middleware, template context).

`ntm.lib` imports no app but `communes` (for the navigation's access check).
"""
