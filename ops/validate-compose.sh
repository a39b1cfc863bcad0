#!/usr/bin/env bash
# Validates docker-compose.yml with the compose tool (`docker compose` or Debian's
# `docker-compose`): the file resolves with the secrets set, a missing secret stops it by name,
# every ${NAME} of ledger.config.example.json reaches the service, NATS and PostgreSQL are not
# published, and every image is pinned. .ci/run calls it; it needs no Docker engine.
set -euo pipefail
cd "$(dirname "$0")/.."

if docker compose version >/dev/null 2>&1; then compose=(docker compose)
elif command -v docker-compose >/dev/null; then compose=(docker-compose)
else echo "validate-compose: neither 'docker compose' nor docker-compose is installed" >&2; exit 1; fi

# Every variable the compose file requires (${NAME:?…}), set to a placeholder.
mapfile -t required < <(grep -oE '\$\{[A-Z_]+:\?' docker-compose.yml | sed -E 's/^\$\{([A-Z_]+):\?$/\1/' | sort -u)
placeholders=(PATH="$PATH" HOME="${HOME:-/tmp}")
for name in "${required[@]}"; do
  if [ "$name" = LEDGER_CONFIG ]; then placeholders+=("LEDGER_CONFIG=./ledger.config.example.json")
  else placeholders+=("$name=placeholder"); fi
done

resolved=$(env -i "${placeholders[@]}" "${compose[@]}" -f docker-compose.yml config)

# A missing secret stops compose, naming it.
for name in "${required[@]}"; do
  without=()
  for pair in "${placeholders[@]}"; do [[ $pair == "$name="* ]] || without+=("$pair"); done
  if out=$(env -i "${without[@]}" "${compose[@]}" -f docker-compose.yml config 2>&1); then
    echo "validate-compose: config passed without $name" >&2; exit 1
  fi
  grep -q "$name" <<<"$out" || { echo "validate-compose: the error without $name does not name it: $out" >&2; exit 1; }
done

python3 - "$resolved" <<'PY'
import json, re, sys, yaml
config = yaml.safe_load(sys.argv[1])
services = config["services"]
problems = []
env = services["ledger"].get("environment", {})
referenced = set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", open("ledger.config.example.json").read()))
for name in sorted(referenced - set(env)):
    problems.append(f"ledger.config.example.json references ${{{name}}}, which compose does not pass to the service")
for name in ("nats", "postgres"):
    if services[name].get("ports"):
        problems.append(f"{name} is published: keep it on the project network")
for name, service in services.items():
    image = service.get("image", "")
    if name != "ledger" and not re.search(r":[0-9]+\.[0-9]+(\.[0-9]+)?(-[a-z0-9.]+)?$", image):
        problems.append(f"{name}: image {image!r} is not pinned to a version")
    if service.get("restart") != "unless-stopped":
        problems.append(f"{name}: no restart policy")
    if "stop_grace_period" not in service:
        problems.append(f"{name}: no stop_grace_period")
for name in ("nats", "postgres"):
    if "healthcheck" not in services[name]:
        problems.append(f"{name}: no healthcheck")
if problems:
    print("validate-compose:\n  " + "\n  ".join(problems), file=sys.stderr)
    sys.exit(1)
PY
echo "validate-compose: docker-compose.yml is valid (${compose[*]}; ${#required[@]} required variables)"
