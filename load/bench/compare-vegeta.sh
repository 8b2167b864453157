#!/bin/sh
# Highest sustained rate of fgh against the stock `vegeta attack | vegeta
# report` pipeline (and Vegeta's library), on the same loopback bare server in
# the same run. Installs the vegeta CLI into bin/tools on first use.
# Usage: sh load/bench/compare-vegeta.sh   (from anywhere in the repository)
set -eu
cd "$(dirname "$0")/../.."
GO=${GO:-go}
TOOLS="$PWD/bin/tools"
VEGETA_VERSION=v12.13.0
if [ ! -x "$TOOLS/vegeta" ]; then
	GOBIN="$TOOLS" "$GO" install "github.com/tsenart/vegeta/v12@$VEGETA_VERSION"
fi
FGH_VEGETA="$TOOLS/vegeta" exec "$GO" test -run '^$' -bench '^BenchmarkMaxSustainedRate$' \
	-benchtime 1x -count 1 -timeout 20m ./load/bench
