"""The bench: how the pages and the scores import scale on a province-sized data set,
in one table.

Run it with `make bench` (or `python -m tools.bench --communes 150`). It seeds a
province in a throwaway database — never the developer's — times the pages through
Django's test client and the import through its service (a province's year, and a
100,000-row file made by `tools/import_bench.py`), prints one table, and exits non-zero
when any goal is missed.

- `database.py`: the throwaway database;
- `seed.py`: the province (districts of 15 communes, scores with their history);
- `measures.py`: the measures and their goals, one row each;
- `__main__.py`: options, the header and the table, the exit status.

It imports the product's public functions only (views through URLs, services,
`criteria.demo.demo_value` for plausible numbers), so it measures what people run.
"""
