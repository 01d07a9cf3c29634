"""Protection monitoring: incidents, community monitoring, early warning, PAU (issue 4).

Layout (shared/STYLE.md): the Django layers every app has, then one package per sub-domain for
the plain-Python engines that are none of those layers (they read no request and write nothing):

- `models/`, `services/` (every write, `<entity>_<verb>`, audited), `selectors/` (every read
  that aggregates; reads never write: `selectors/atoms.py` says how the counted atoms stay fresh),
  `access.py` (every `can_*` and `*_get_for_user` of monitoring), `forms/`, `views/`, `api/`,
  `urls.py` + `api/urls.py`, `tasks.py` (background import), `schedules.py` (periodic jobs, found
  by `tutela scheduler` under that name), `management/commands/`, `templates/`, `tests/`.
- `incidents/`: an incident as entered (`data.py`: IncidentData, References, incident_problems)
  and the masking of personal data in narratives (`narrative.py`).
- `imports/`: the file import engine: the columns (`fields/`), the recognised values
  (`vocabulary.py`), column matching (`columns.py`), reading cells and rows (`cells/`,
  `rows.py`) and the XLSForms generated from the same fields (`xlsforms.py`). Saving is in
  `services/imports.py`.
- `pau/`: the Protection Analysis Update's figures (`figures.py`, with `fivew.py`, monitoring's
  one arrow to the 5W), its document (`documents.py`), charts, Markdown narrative and the Word/PDF
  rendering. The PAU's workflow (create, save, submit, publish) is `services/pau.py`.
- `analysis/`: the charts of the analysis pages.

Synthetic incidents for the benchmarks are in `bench/synthetic/monitoring.py`.
"""
