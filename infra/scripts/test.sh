#!/usr/bin/env bash
# What `make test` runs: the whole test suite against the real local parts.
# DynamoDB Local (in memory) and moto_server are started here and stopped on
# exit, whatever happens; the tests find them through the FLUX_TEST_* variables
# and, with FLUX_REQUIRE_INTEGRATION=1, fail instead of skipping without them.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

DDB_PORT="${FLUX_TEST_DYNAMODB_PORT:-18000}"
MOTO_PORT="${FLUX_TEST_MOTO_PORT:-14566}"
DDB_DIR="${FLUX_DYNAMODB_LOCAL_DIR:-$ROOT/.tools/dynamodb-local}"
LOG_DIR="$ROOT/.local/test-logs"

"$ROOT/infra/scripts/install-dynamodb-local.sh"
mkdir -p "$LOG_DIR"

pids=()
cleanup() {
	for pid in "${pids[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		for _ in $(seq 1 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
	done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

for p in "$DDB_PORT" "$MOTO_PORT"; do
	if port_busy "$p"; then
		echo "test: port $p is already in use (another make test running?)" >&2
		exit 1
	fi
done

(cd "$DDB_DIR" && exec java -Djava.library.path=./DynamoDBLocal_lib -jar DynamoDBLocal.jar \
	-inMemory -port "$DDB_PORT" -disableTelemetry) >"$LOG_DIR/dynamodb.log" 2>&1 &
pids+=("$!")
moto_server -H 127.0.0.1 -p "$MOTO_PORT" >"$LOG_DIR/moto.log" 2>&1 &
pids+=("$!")

wait_port() { # name port log
	for _ in $(seq 1 300); do
		if port_busy "$2"; then return 0; fi
		sleep 0.1
	done
	echo "test: $1 did not start; its log ($3):" >&2
	tail -n 40 "$3" >&2 || true
	exit 1
}
wait_port "DynamoDB Local" "$DDB_PORT" "$LOG_DIR/dynamodb.log"
wait_port "moto_server" "$MOTO_PORT" "$LOG_DIR/moto.log"

export FLUX_TEST_DYNAMODB_ENDPOINT="http://127.0.0.1:$DDB_PORT"
export FLUX_TEST_AWS_ENDPOINT="http://127.0.0.1:$MOTO_PORT"
export FLUX_REQUIRE_INTEGRATION=1
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1
unset AWS_PROFILE AWS_SESSION_TOKEN

status=0
go test -count=1 ./... || status=$?
exit "$status"
