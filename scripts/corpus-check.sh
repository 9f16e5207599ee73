#!/usr/bin/env bash
# Serves every OpenAPI 3.0 document of a folder as a generic document, calls each operation with a
# generated valid request, judges every answer against its document and prints a summary (loaded,
# refused with the reason, operations answered validly). The documents stay outside the repository.
#
#   scripts/corpus-check.sh DIR
set -euo pipefail
dir="${1:?usage: scripts/corpus-check.sh DIR-OF-OPENAPI-DOCUMENTS}"
dir="$(cd "$dir" && pwd)"
cd "$(dirname "$0")/.."
FINSANDBOX_CORPUS="$dir" cargo test --test generic_mock corpus_of_public_documents -- --nocapture 2>&1 \
  | grep -E '^(served|REFUSED|corpus:|        )'
