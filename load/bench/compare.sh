#!/bin/sh
# fgh against a stock load generator on the same loopback bare server, in the
# same run. Installs the tool into bin/tools on first use.
#   vegeta:     highest sustained rate next to the `vegeta attack | vegeta report`
#               pipeline (and Vegeta's library)
#   bombardier: `fgh load` and bombardier as child processes at the same rates
#               and connections: achieved rate, each tool's latency percentiles,
#               CPU per request
# Usage: sh load/bench/compare.sh vegeta|bombardier   (from anywhere in the repository)
set -eu
cd "$(dirname "$0")/../.."
GO=${GO:-go}
TOOLS="$PWD/bin/tools"
case "${1:-}" in
vegeta) module=github.com/tsenart/vegeta/v12@v12.13.0 bench=MaxSustainedRate ;;
bombardier) module=github.com/codesenberg/bombardier@v1.2.6 bench=Bombardier ;;
*) echo "usage: $0 vegeta|bombardier" >&2; exit 2 ;;
esac
if [ ! -x "$TOOLS/$1" ]; then
	GOBIN="$TOOLS" "$GO" install "$module"
fi
"$GO" build -o "$TOOLS/fgh-bench" ./cmd/fgh
FGH_VEGETA="$TOOLS/vegeta" FGH_BOMBARDIER="$TOOLS/bombardier" FGH_BIN="$TOOLS/fgh-bench" exec "$GO" test -run '^$' \
	-bench "^Benchmark$bench\$" -benchtime 1x -count 1 -timeout 20m ./load/bench
