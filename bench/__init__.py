"""`make bench`: how fast and how lean an import runs on the local stack, beside two baselines.

Development tooling, never deployed (it is not in the layer). bench/README.md says what each figure
means and how it is measured."""
