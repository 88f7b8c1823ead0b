#!/usr/bin/env bash
# Installs the packed library into fresh CDK apps, as users do, pastes the
# README's Usage, and runs each app's own build, synth and tests, then the CLI:
#   a) an app exactly as today's `cdk init app --language typescript` makes it, pinned to the
#      newest aws-cdk-lib, with cdk-nag 3's AwsSolutionsChecks pasted as its README shows
#   b) a CommonJS app on TypeScript 5 with ts-node and ts-jest (the older template)
#   c) that app pinned to the oldest aws-cdk-lib and constructs we declare, with the newest
#      cdk-nag 2 that supports that aws-cdk-lib, AwsSolutionsChecks pasted as its README shows
# Any cdk-nag finding fails a and c, error or warning, on our constructs or the Usage's
# (scripts/nag-findings.cjs reads cdk-nag's own report of the synth).
# Usage: scripts/consumer-check.sh [a|b|c ...]   (default: all three; KEEP_CONSUMER=1 keeps the apps)
set -euo pipefail

# Bumped on purpose, by hand: the newest aws-cdk-lib release (`npm view aws-cdk-lib version`).
NEWEST_AWS_CDK_LIB=2.278.0
# cdk-nag 3 needs aws-cdk-lib ^2.257 (`npm view cdk-nag@3 peerDependencies`).
CDK_NAG_FOR_NEWEST=3.0.2
# The newest cdk-nag whose peer range accepts the oldest aws-cdk-lib we support (package.json
# peerDependencies; 2.36.54 and later need ^2.176.0): app c checks it is.
CDK_NAG_FOR_OLDEST=2.36.50

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/finspace-consumer.XXXXXX")
if [ -z "${KEEP_CONSUMER:-}" ]; then trap 'rm -rf "$work"' EXIT; else echo "consumer apps in $work"; fi
export CDK_DISABLE_VERSION_CHECK=1 AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
quiet_npm() { npm "$@" --no-audit --no-fund --loglevel=error; }

tarball="$work/$(cd "$root" && npm pack --silent --pack-destination "$work" | tail -n 1)"
peer() { node -p "require('$root/package.json').peerDependencies['$1'].replace(/^[\^~]/, '')"; }
# The lowest version a caret range (^X.Y.Z) accepts.
floor() { node -p "const r = '$1'; if (!/^\^\d+\.\d+\.\d+$/.test(r)) throw new Error('not a caret range: ' + r); r.slice(1)"; }
# The higher of two versions.
higher() { node -p "const [a, b] = ['$1', '$2'].map((v) => v.split('.').map(Number)); (a[0] - b[0] || a[1] - b[1] || a[2] - b[2]) >= 0 ? '$1' : '$2'"; }

# AwsSolutionsChecks, pasted at the end of the app's entry point (imports may come anywhere at
# the top level), each major as its own README registers it.
paste_nag() {
  local major=$1 entry=$2
  case $major in
    3) printf '%s\n' '' "import { Validations } from 'aws-cdk-lib';" "import { AwsSolutionsChecks } from 'cdk-nag';" \
      'Validations.of(app).addPlugins(new AwsSolutionsChecks(app));' >> "$entry" ;;
    2) printf '%s\n' '' "import { Aspects } from 'aws-cdk-lib';" "import { AwsSolutionsChecks } from 'cdk-nag';" \
      'Aspects.of(app).add(new AwsSolutionsChecks());' >> "$entry" ;;
  esac
}

# Runs what the app's owner would, with the library installed and the Usage pasted; with cdk-nag
# (its major, then the packages to pin) when given.
check_app() {
  local dir=$1 nag=${2:-} name started=$SECONDS
  shift 2 || shift $#
  name=$(basename "$dir")
  cd "$dir"
  quiet_npm install
  if [ $# -gt 0 ]; then quiet_npm install --save-exact "$@"; fi
  quiet_npm install "$tarball"
  node "$root/scripts/readme-snippets.cjs" "$root/README.md" "$dir" "$name"
  if [ -n "$nag" ]; then paste_nag "$nag" "bin/$name.ts"; fi
  npm run build --silent
  npx cdk synth --quiet > /dev/null
  if [ -n "$nag" ]; then node "$root/scripts/nag-findings.cjs" cdk.out "$nag"; fi
  npm test --silent
  npx finspace-user --help > /dev/null
  npx finspace-user local --no-synth
  npx finspace-user plan --local --no-synth
  check_removal
  echo "consumer app $name (aws-cdk-lib $(node -p "require('aws-cdk-lib/package.json').version")${nag:+, cdk-nag $(node -p "require('cdk-nag/package.json').version")}):" \
    "build, synth, tests, finspace-user local and plan (a removal too) passed in $((SECONDS - started)) s"
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
  check_app "$work/app-a" 3 "aws-cdk-lib@$NEWEST_AWS_CDK_LIB" "cdk-nag@$CDK_NAG_FOR_NEWEST"
}

# The older template, with aws-cdk-lib and constructs as given.
app_from_fixture() {
  local name=$1 cdk_lib=$2 constructs=$3
  shift 3
  cp -r "$root/scripts/consumer-apps/commonjs-ts5" "$work/$name"
  mv "$work/$name/bin/commonjs-ts5.ts" "$work/$name/bin/$name.ts"
  sed -i "s/commonjs-ts5/$name/g; s/AWS_CDK_LIB_VERSION/$cdk_lib/; s/CONSTRUCTS_VERSION/$constructs/" \
    "$work/$name/package.json" "$work/$name/cdk.json"
  check_app "$work/$name" "$@"
}

# The newest cdk-nag 2 release whose peer range accepts aws-cdk-lib $1 (one registry query).
newest_nag_for() {
  npm view 'cdk-nag@2' version peerDependencies --json | node -e '
    const cmp = (a, b) => { const [x, y] = [a, b].map((v) => v.split(".").map(Number)); return x[0] - y[0] || x[1] - y[1] || x[2] - y[2]; };
    const floor = (range) => /^\^(\d+\.\d+\.\d+)$/.exec(range ?? "")?.[1];
    const releases = JSON.parse(require("fs").readFileSync(0, "utf8"));
    const fits = releases.filter((r) => floor(r.peerDependencies?.["aws-cdk-lib"]) && cmp(floor(r.peerDependencies["aws-cdk-lib"]), process.argv[1]) <= 0);
    console.log(fits.map((r) => r.version).sort(cmp).pop() ?? "none");' "$1"
}

# The oldest aws-cdk-lib we support, with the cdk-nag that supports it; constructs at the lowest
# version both our peer range and that cdk-nag's accept.
app_c() {
  local oldest newest_nag nag_constructs
  oldest=$(peer aws-cdk-lib)
  newest_nag=$(newest_nag_for "$oldest")
  if [ "$newest_nag" != "$CDK_NAG_FOR_OLDEST" ]; then
    echo "the newest cdk-nag 2 that accepts aws-cdk-lib $oldest is $newest_nag: set CDK_NAG_FOR_OLDEST to it" >&2
    exit 2
  fi
  nag_constructs=$(floor "$(npm view "cdk-nag@$CDK_NAG_FOR_OLDEST" peerDependencies.constructs)")
  app_from_fixture app-c "$oldest" "$(higher "$(peer constructs)" "$nag_constructs")" 2 "cdk-nag@$CDK_NAG_FOR_OLDEST"
}

for app in "${@:-a b c}"; do
  for one in $app; do
    case $one in
      a) app_a ;;
      b) app_from_fixture app-b '^2' '^10' ;;
      c) app_c ;;
      *) echo "unknown app $one" >&2; exit 2 ;;
    esac
  done
done
