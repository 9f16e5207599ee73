#!/usr/bin/env bash
# Schemathesis, a property-based API fuzzer no one here wrote, against a default sandbox: every
# operation of Customers v2 (personal and business, each with the token of an authorised consent),
# Consents v3 (`/consents` and `/consents/{consentId}`, client-credentials token), Bankly
# (full-scope token; the sandbox runs with its rate limit off so the fuzzer is not throttled), Zarv
# ID (a fixture user's token) and the card holders (a client-credentials token with every scope).
#
# Usage: scripts/schemathesis.sh            (CI runs it from .ci/run)
#
# Documents: the sandbox's embedded specs (`finsandbox specs --export`), which carry the official
# facts. To fuzz by the official files as published, point these at them:
#   CUSTOMERS_V2_SPEC=path/to/customers-2.3.0.yml CONSENTS_V3_SPEC=path/to/consents-3.3.1.yml
# Other settings: FINSANDBOX_BIN (default: the debug build, built if missing), SCHEMATHESIS_SEED (1),
# SCHEMATHESIS_MAX_EXAMPLES (Schemathesis's default), SCHEMATHESIS_VENV (under the target dir).
# Reports (JUnit) go to <target dir>/schemathesis-report. Exit code 1 when anything was found.
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
CHECKS=not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,negative_data_rejection

target_dir=${CARGO_TARGET_DIR:-target}
bin=${FINSANDBOX_BIN:-$target_dir/debug/finsandbox}
if [ ! -x "$bin" ]; then
  cargo build --locked
fi
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
venv=${SCHEMATHESIS_VENV:-$target_dir/schemathesis-venv}
if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi
st=$(cd "$venv/bin" && pwd)/schemathesis
reports=$(mkdir -p "$target_dir/schemathesis-report" && cd "$target_dir/schemathesis-report" && pwd)

work=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

"$bin" specs --export "$work/specs" >/dev/null
customers_v2=${CUSTOMERS_V2_SPEC:-$work/specs/open-finance/customers-v2.yaml}
consents_v3=${CONSENTS_V3_SPEC:-$work/specs/open-finance/consents-v3.yaml}
bankly=$work/specs/bankly/customers.yaml
zarv=$work/specs/zarv/zarv-id.yaml
portadores=$work/specs/portadores/portadores.yaml

# Zarv's requests and Bankly's webhook configurations name callback URLs, and the sandbox delivers to
# them: fuzzed, those are any host at all. --callbacks-loopback-only records such deliveries as failed
# without a connection, so this run talks to loopback only and still fuzzes the callback fields.
"$bin" serve --addr 127.0.0.1:0 --bankly-rate-limit off --callbacks-loopback-only 2>"$work/serve.log" &
server=$!
base=""
for _ in $(seq 1 100); do
  base=$(sed -n 's/.*listening on \([0-9.:]*\).*/http:\/\/\1/p' "$work/serve.log" | head -n1)
  [ -n "$base" ] && break
  kill -0 "$server" 2>/dev/null || { cat "$work/serve.log" >&2; exit 2; }
  sleep 0.1
done
[ -n "$base" ] || { echo "the sandbox did not start" >&2; cat "$work/serve.log" >&2; exit 2; }
echo "sandbox at $base"

# Tokens the way a client gets them: the consent flow (the control API stands in for the customer's
# approval) and Bankly's client-credentials grant.
token() {
  python3 - "$base" "$1" <<'PY'
import json, sys, urllib.request, urllib.parse, uuid
base, kind = sys.argv[1], sys.argv[2]
def post(path, data, headers=None, form=True):
    body = urllib.parse.urlencode(data).encode() if form else json.dumps(data).encode()
    h = {"content-type": "application/x-www-form-urlencoded" if form else "application/json"}
    h.update(headers or {})
    with urllib.request.urlopen(urllib.request.Request(base + path, data=body, headers=h, method="POST")) as r:
        return json.load(r)
if kind == "zarv":
    with urllib.request.urlopen(base + "/sandbox/zarv/users") as r:
        user = json.load(r)["users"][0]
    print(post("/zarv/api/v1/authentication", {"username": user["email"], "password": user["password"]},
               form=False)["accessToken"])
    sys.exit()
if kind == "portadores":
    print(post("/portadores/oauth2/token", {"grant_type": "client_credentials", "client_id": "schemathesis",
        "client_secret": "schemathesis",
        "scope": "portadores.leitura portadores.cadastro portadores.gestao portadores.senha"})["access_token"])
    sys.exit()
if kind == "bankly":
    print(post("/bankly/oauth2/token", {"grant_type": "client_credentials", "client_id": "schemathesis",
        "scope": "customer.read customer.write customer.update customer.cancel webhook.write"})["access_token"])
    sys.exit()
client = post("/auth/token", {"grant_type": "client_credentials", "scope": "consents"})["access_token"]
if kind == "client":
    print(client)
    sys.exit()
user = {"document": {"identification": "52998224725", "rel": "CPF"}}
if kind == "personal":
    data = {"loggedUser": user, "permissions": ["CUSTOMERS_PERSONAL_IDENTIFICATIONS_READ",
            "CUSTOMERS_PERSONAL_ADITTIONALINFO_READ", "RESOURCES_READ"]}
else:
    data = {"loggedUser": user, "businessEntity": {"document": {"identification": "11444777000161", "rel": "CNPJ"}},
            "permissions": ["CUSTOMERS_BUSINESS_IDENTIFICATIONS_READ", "CUSTOMERS_BUSINESS_ADITTIONALINFO_READ",
                            "RESOURCES_READ"]}
consent = post("/open-banking/consents/v3/consents", {"data": data},
               {"authorization": "Bearer " + client, "x-fapi-interaction-id": str(uuid.uuid4())}, form=False)
code = post("/sandbox/open-finance/consents/" + consent["data"]["consentId"] + "/authorise", {}, form=False)["code"]
print(post("/auth/token", {"grant_type": "authorization_code", "code": code})["access_token"])
PY
}

failed=0
run() {
  local name=$1 spec=$2 url=$3 bearer=$4
  shift 4
  echo "== $name"
  local extra=()
  if [ -n "${SCHEMATHESIS_MAX_EXAMPLES:-}" ]; then extra+=(--max-examples "$SCHEMATHESIS_MAX_EXAMPLES"); fi
  # Run from the scratch directory: Hypothesis keeps its example database in the working directory.
  if ! (cd "$work" && "$st" run "$spec" --url "$url" -H "Authorization: Bearer $bearer" \
      --checks "$CHECKS" --seed "${SCHEMATHESIS_SEED:-1}" --report junit \
      --report-junit-path "$reports/$name.xml" "${extra[@]}" "$@"); then
    failed=1
  fi
}

run customers-v2-personal "$customers_v2" "$base/open-banking/customers/v2" "$(token personal)" \
  --include-path-regex '^/personal/'
run customers-v2-business "$customers_v2" "$base/open-banking/customers/v2" "$(token business)" \
  --include-path-regex '^/business/'
run consents-v3 "$consents_v3" "$base/open-banking/consents/v3" "$(token client)" \
  --include-path /consents --include-path '/consents/{consentId}'
run bankly "$bankly" "$base/bankly" "$(token bankly)"
run zarv "$zarv" "$base/zarv" "$(token zarv)"
run portadores "$portadores" "$base/portadores" "$(token portadores)"

if [ "$failed" -ne 0 ]; then
  echo "schemathesis found problems (JUnit reports in $reports)" >&2
  exit 1
fi
echo "schemathesis: nothing found (JUnit reports in $reports)"
