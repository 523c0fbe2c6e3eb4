"""``python -m netlab``: the same entry point as the ``netlab`` console script."""

from netlab.cli.main import run

if __name__ == "__main__":
    run()
