"""Developer tools: the bench, and whatever else helps build the product without being
part of it. Nothing in the apps imports from here, and `make test` does not run it."""
