#!/usr/bin/env bash
# Installs what the local stack and the tests run on, idempotently:
#   - DynamoDB Local (the official Java build) under .tools/dynamodb-local,
#     taken from the npm package amplify-dynamodb-simulator at a pinned
#     version: only its package/emulator/ directory is unpacked (installing
#     the package would pull the whole Amplify CLI core);
#   - a Java runtime (apt) when `java` is missing;
#   - moto_server (pip 'moto[server]') when it is missing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DEST="${FLUX_DYNAMODB_LOCAL_DIR:-$ROOT/.tools/dynamodb-local}"
SIMULATOR="amplify-dynamodb-simulator@2.9.30"

log() { printf 'install: %s\n' "$*" >&2; }

as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

if [ ! -f "$DEST/DynamoDBLocal.jar" ]; then
	command -v npm >/dev/null 2>&1 || { log "npm is required to fetch DynamoDB Local ($SIMULATOR)"; exit 1; }
	log "fetching DynamoDB Local from $SIMULATOR"
	tmp="$(mktemp -d)"
	trap 'rm -rf "$tmp"' EXIT
	(cd "$tmp" && npm pack --silent "$SIMULATOR" >/dev/null)
	tgz="$(ls "$tmp"/*.tgz)"
	tar -xzf "$tgz" -C "$tmp" package/emulator
	mkdir -p "$(dirname "$DEST")"
	rm -rf "$DEST.partial"
	mv "$tmp/package/emulator" "$DEST.partial"
	mv "$DEST.partial" "$DEST"
	log "DynamoDB Local installed in $DEST"
fi

if ! command -v java >/dev/null 2>&1; then
	log "installing a Java runtime"
	as_root apt-get update
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y openjdk-17-jre-headless
fi

if ! command -v moto_server >/dev/null 2>&1; then
	log "installing moto_server"
	pip install 'moto[server]'
fi
