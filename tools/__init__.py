"""Developer tools, outside the product: the bench (`bench/`, `make bench`), the scores
import's own bench (`import_bench.py`, whose measure and goals the bench reuses), the load
test (`load/`, `make load`), and an .xlsx writer (`xlsx.py`) for files as Excel saves them.
Nothing in the apps imports from here. The suite borrows `xlsx.py` to build its files and the
import bench's measure for one memory check; it judges no timing."""
