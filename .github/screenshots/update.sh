#!/bin/sh
# Takes the README's screenshots again, from the example postmortems, with
# the browser tests' screenshot switch (internal/e2e TestScreenshots needs
# Chromium). Run it from anywhere in the repository after a change to the
# theme or the examples, and commit the pictures with that change.
set -eu
cd "$(git rev-parse --show-toplevel)"
HINDSIGHT_SCREENSHOTS="$(pwd)/.github/screenshots" go test -count=1 -run '^TestScreenshots$' ./internal/e2e/
ls -l .github/screenshots/*.png
