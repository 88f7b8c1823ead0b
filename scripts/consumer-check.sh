#!/usr/bin/env bash
# Installs the packed library into fresh CDK apps, as users do, pastes the
# README's Usage, and runs each app's own build, synth and tests, then the CLI:
#   a) an app exactly as today's `cdk init app --language typescript` makes it
#   b) a CommonJS app on TypeScript 5 with ts-node and ts-jest (the older template)
#   c) that app pinned to the oldest aws-cdk-lib and constructs we declare
# Usage: scripts/consumer-check.sh [a|b|c ...]   (default: all three)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/finspace-consumer.XXXXXX")
trap 'rm -rf "$work"' EXIT
export CDK_DISABLE_VERSION_CHECK=1 AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
quiet_npm() { npm "$@" --no-audit --no-fund --loglevel=error; }

tarball="$work/$(cd "$root" && npm pack --silent --pack-destination "$work" | tail -n 1)"
peer() { node -p "require('$root/package.json').peerDependencies['$1'].replace(/^[\^~]/, '')"; }

# Runs what the app's owner would, with the library installed and the Usage pasted.
check_app() {
  local dir=$1 name
  name=$(basename "$dir")
  cd "$dir"
  quiet_npm install
  quiet_npm install "$tarball"
  node "$root/scripts/readme-snippets.cjs" "$root/README.md" "$dir" "$name"
  npm run build --silent
  npx cdk synth --quiet > /dev/null
  npm test --silent
  npx finspace-user --help > /dev/null
  npx finspace-user local --no-synth
  npx finspace-user plan --local --no-synth
  check_removal
  echo "consumer app $name: build, synth, tests, finspace-user local and plan (a removal too) passed"
}

# A DESTROY user removed from the app (the README's DataEngineer): the plan names the removal and
# "disabled" and exits 2; the local deploy then disables it, and the plan has nothing left (exit 0).
check_removal() {
  node -e '
    const { cpSync, readFileSync, writeFileSync } = require("node:fs");
    cpSync("cdk.out", "cdk.out.removed", { recursive: true });
    const file = "cdk.out.removed/FinspaceUsers.template.json";
    const template = JSON.parse(readFileSync(file, "utf8"));
    const ids = Object.keys(template.Resources).filter((id) =>
      String(template.Resources[id].Metadata?.["aws:cdk:path"]).startsWith("FinspaceUsers/DataEngineer/"));
    if (ids.length !== 1) throw new Error(`expected one DataEngineer resource, found ${ids.length}`);
    delete template.Resources[ids[0]];
    writeFileSync(file, JSON.stringify(template));'
  local code=0
  npx finspace-user plan --local --no-synth --cdk-out cdk.out.removed > plan.txt || code=$?
  cat plan.txt
  [ "$code" -eq 2 ] || { echo "plan after removing a DESTROY user exited $code, not 2" >&2; return 1; }
  grep -Eq '^FinspaceUsers/DataEngineer .*removed: disabled' plan.txt ||
    { echo 'the plan does not name the removed DataEngineer as disabled' >&2; return 1; }
  npx finspace-user local --no-synth --cdk-out cdk.out.removed --json > local.json
  node -e '
    const result = JSON.parse(require("node:fs").readFileSync("local.json", "utf8"));
    const row = result.users.find((u) => u.path === "FinspaceUsers/DataEngineer");
    if (!result.ok || row?.after?.status !== "DISABLED")
      throw new Error(`the deploy did not disable the removed DataEngineer: ${JSON.stringify(row?.after?.status)}`);'
  npx finspace-user plan --local --no-synth --cdk-out cdk.out.removed > /dev/null
}

app_a() {
  mkdir "$work/app-a" && cd "$work/app-a"
  "$root/node_modules/.bin/cdk" init app --language typescript --generate-only > /dev/null
  check_app "$work/app-a"
}

# The older template, with aws-cdk-lib and constructs as given.
app_from_fixture() {
  local name=$1 cdk_lib=$2 constructs=$3
  cp -r "$root/scripts/consumer-apps/commonjs-ts5" "$work/$name"
  mv "$work/$name/bin/commonjs-ts5.ts" "$work/$name/bin/$name.ts"
  sed -i "s/commonjs-ts5/$name/g; s/AWS_CDK_LIB_VERSION/$cdk_lib/; s/CONSTRUCTS_VERSION/$constructs/" \
    "$work/$name/package.json" "$work/$name/cdk.json"
  check_app "$work/$name"
}

for app in "${@:-a b c}"; do
  for one in $app; do
    case $one in
      a) app_a ;;
      b) app_from_fixture app-b '^2' '^10' ;;
      c) app_from_fixture app-c "$(peer aws-cdk-lib)" "$(peer constructs)" ;;
      *) echo "unknown app $one" >&2; exit 2 ;;
    esac
  done
done
