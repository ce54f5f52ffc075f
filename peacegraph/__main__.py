"""``python -m peacegraph``: the same as the ``peacegraph`` command."""

from peacegraph.cli import main

if __name__ == "__main__":
    main()
