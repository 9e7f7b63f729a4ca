#!/usr/bin/env bash
# @module scripts/conformance/run.sh — the conformance lane (issue #11): runs Ceph's s3-tests
# (s3tests/functional/test_s3.py, pinned commit 8f0ae7b) against a Ceph RGW directly and through
# `s3-router serve` in front of that same RGW, then compares the outcomes test by test against
# the committed expected differences and known regressions (compare.py). `npm run conformance`.
#
# usage: scripts/conformance/run.sh [--config plain|prefix|split] [--direct run|baseline|FILE]
#                                   [--out DIR] [--only PYTEST_NODE_IDS...]
#   --config   gateway configuration under test (env CONFORMANCE_CONFIG; default plain):
#              plain  = one profile routing every bucket unchanged; prefix = every key under
#              "p/"; split = keys o* of every bucket under "o-split/", listings merge two routes.
#   --direct   what the gateway run is compared with (env CONFORMANCE_DIRECT; default run):
#              run = a direct run against the same RGW in this job (same machine and packages);
#              baseline = the committed docs/conformance/results/direct.json; FILE = that file.
#   --out      where results and logs go (env CONFORMANCE_OUT; default .tmp/conformance/CONFIG)
# env:
#   S3TESTS_HARNESS   the shared harness dir (run-s3tests.sh, rgw-users.sh, the conf template,
#                     the pinned suite tarball); default ../shared/s3-tests beside the repo
#   S3TESTS_DIR       a checkout of ceph/s3-tests to run instead of the pinned tarball
#   S3TESTS_TIMEOUT   whole-run cap of ONE pytest run, s (default 1500: the suite takes ~7 min)
#   S3TESTS_TEST_TIMEOUT  one test phase, s (default 120; the harness's plugin fails the test)
#   CONFORMANCE_RGW_PORT / CONFORMANCE_MON_PORT / CONFORMANCE_GATEWAY_PORT
#                     default 18480 / 18300 / 18488 (outside the integration tests' random pair)
#   CONFORMANCE_RERUN=0  do not re-run new regressions once to tell flakes from real ones
#   CONFORMANCE_IDENTITY=per-user|shared  per-user (default): each suite user reaches RGW as
#                     itself and unsigned requests go through unsigned; shared: every user is
#                     re-signed as the main user and unsigned requests are refused (gateway_config.py)
# exit: 0 no new regression; 1 new regressions (summary printed); 2 setup error.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE=$ROOT/scripts/conformance

MODE=${CONFORMANCE_CONFIG:-plain}
DIRECT=${CONFORMANCE_DIRECT:-run}
OUT=${CONFORMANCE_OUT:-}
ONLY=()
while [ $# -gt 0 ]; do
  case $1 in
    --config) MODE=$2; shift 2 ;;
    --config=*) MODE=${1#*=}; shift ;;
    --direct) DIRECT=$2; shift 2 ;;
    --direct=*) DIRECT=${1#*=}; shift ;;
    --out) OUT=$2; shift 2 ;;
    --out=*) OUT=${1#*=}; shift ;;
    --only) shift; ONLY=("$@"); break ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "conformance: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
case $MODE in plain|prefix|split) ;; *) echo "conformance: --config must be plain, prefix or split" >&2; exit 2 ;; esac
OUT=${OUT:-$ROOT/.tmp/conformance/$MODE}
mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd)

HARNESS=${S3TESTS_HARNESS:-$ROOT/../shared/s3-tests}
[ -x "$HARNESS/run-s3tests.sh" ] || { echo "conformance: no s3-tests harness at $HARNESS (set S3TESTS_HARNESS)" >&2; exit 2; }
HARNESS=$(cd "$HARNESS" && pwd)
TMPL=$HARNESS/rgw-s3tests.conf.tmpl
RGW_PORT=${CONFORMANCE_RGW_PORT:-18480}
MON_PORT=${CONFORMANCE_MON_PORT:-18300}
GW_PORT=${CONFORMANCE_GATEWAY_PORT:-18488}
# 120 s per test phase: the longest suite tests take ~20 s directly; a stalled request is a
# failure of that test, not of the whole lane's time budget.
export S3TESTS_TIMEOUT=${S3TESTS_TIMEOUT:-1500}
export S3TESTS_TEST_TIMEOUT=${S3TESTS_TEST_TIMEOUT:-120}
# Both runs alike: a bucket the suite cannot empty is printed, not a setup error for every later test.
export S3TESTS_LENIENT_CLEANUP=${S3TESTS_LENIENT_CLEANUP:-1}

case $DIRECT in
  run) DIRECT_JSON=$OUT/direct.json ;;
  baseline) DIRECT_JSON=$ROOT/docs/conformance/results/direct.json ;;
  *) DIRECT_JSON=$DIRECT ;;
esac
[ "$DIRECT" = run ] || [ -f "$DIRECT_JSON" ] || { echo "conformance: no direct results $DIRECT_JSON" >&2; exit 2; }

say() { printf '[conformance %s] %s\n' "$(date -u +%T)" "$*"; }

for cmd in radosgw radosgw-admin ceph-mon ceph-osd curl /usr/bin/python3; do
  command -v "$cmd" >/dev/null || { echo "conformance: missing $cmd (see .ci/run for the apt packages)" >&2; exit 2; }
done
/usr/bin/python3 -c 'import pytest, boto3, munch, gevent, isodate, lxml, httplib2, yaml, pytz' 2>/dev/null || {
  echo "conformance: the suite's Python modules are missing; apt-get install python3-pytest python3-boto3" \
       "python3-munch python3-gevent python3-isodate python3-lxml python3-httplib2 python3-yaml python3-tz python3-awscrt" >&2
  exit 2
}

# --- servers, stopped on any exit -----------------------------------------------------------
RGW_DIR=$(mktemp -d /tmp/s3r-conformance-rgw.XXXXXX)
GW_PID=
stop_all() {
  if [ -n "$GW_PID" ] && kill -0 "$GW_PID" 2>/dev/null; then
    kill -TERM "$GW_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$GW_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$GW_PID" 2>/dev/null || true
  fi
  GW_PID=
  # SIGKILL, as test/support/rgw.ts does: memstore would write its whole store to disk on
  # SIGTERM. A pid is killed only while its command line names our directory.
  for d in rgw osd mon; do
    pid=$(cat "$RGW_DIR/$d.pid" 2>/dev/null || true)
    if [ -n "$pid" ] && grep -qF "$RGW_DIR" "/proc/$pid/cmdline" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  done
  if [ -d "$RGW_DIR/log" ]; then mkdir -p "$OUT/rgw-log" && cp "$RGW_DIR"/log/*.out "$OUT/rgw-log/" 2>/dev/null || true; fi
  rm -rf "$RGW_DIR"
}
trap 'stop_all' EXIT
trap 'exit 130' INT TERM

export CONFORMANCE_IDENTITY=${CONFORMANCE_IDENTITY:-per-user}
say "config $MODE (identity $CONFORMANCE_IDENTITY), direct results: $DIRECT, out $OUT"
say "starting RGW on 127.0.0.1:$RGW_PORT (mon $MON_PORT)"
t_rgw=$SECONDS
# The project's own cluster script: it also sets RGW's garbage collection to ~30 s, so deleted
# test data is freed during the run instead of filling the in-memory store (which hangs RGW).
MEMSTORE_BYTES=3221225472 RGW_FRONTEND_OPTS= RGW_EXTRA_CONF= bash "$ROOT/test/support/ceph-rgw.sh" "$RGW_DIR" "$RGW_PORT" "$MON_PORT" \
  > "$OUT/rgw-start.log" 2>&1 || { cat "$OUT/rgw-start.log" >&2; exit 2; }
"$HARNESS/rgw-users.sh" "$RGW_DIR" "$TMPL" > "$OUT/rgw-users.log" 2>&1 || { cat "$OUT/rgw-users.log" >&2; exit 2; }
say "RGW up with the suite's users after $((SECONDS - t_rgw)) s"

# run_suite NAME PORT: one pytest run; outcomes in $OUT/NAME.json, reasons and raw log beside.
run_suite() {
  local name=$1 port=$2 t0=$SECONDS rc=0
  local files=()
  if [ ${#ONLY[@]} -gt 0 ]; then files=("${ONLY[@]}"); fi
  say "s3-tests -> $name (127.0.0.1:$port)"
  S3TESTS_REASONS="$OUT/$name.reasons.json" S3TESTS_LOG="$OUT/$name.pytest.log" \
    S3TESTS_FILES="${files[*]:-s3tests/functional/test_s3.py}" \
    "$HARNESS/run-s3tests.sh" 127.0.0.1 "$port" "$TMPL" "$OUT/$name.json" || rc=$?
  echo "$((SECONDS - t0))" > "$OUT/$name.seconds"
  say "$name: exit $rc after $((SECONDS - t0)) s"
  return $rc
}

direct_rc=0
if [ "$DIRECT" = run ]; then
  run_suite direct "$RGW_PORT" || direct_rc=$?
  [ "$direct_rc" -eq 2 ] && { echo "conformance: the direct run produced no results" >&2; exit 2; }
fi

# --- the gateway from the working tree (src/, not dist/: it measures the code as it is) ------
/usr/bin/python3 "$HERE/gateway_config.py" "$MODE" "$TMPL" "http://127.0.0.1:$RGW_PORT" \
  "127.0.0.1:$GW_PORT" "$OUT/gateway.yaml"
say "starting s3-router serve ($MODE) on 127.0.0.1:$GW_PORT"
( cd "$ROOT" && AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true \
    exec node --import tsx src/cli/bin.ts serve --config "$OUT/gateway.yaml" ) \
  > "$OUT/gateway.log" 2>&1 < /dev/null &
GW_PID=$!
for _ in $(seq 120); do
  curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$GW_PORT/-/health" && break
  kill -0 "$GW_PID" 2>/dev/null || { echo "conformance: the gateway exited:" >&2; tail -n 30 "$OUT/gateway.log" >&2; exit 2; }
  sleep 0.5
done
curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$GW_PORT/-/health" || { echo "conformance: gateway not ready" >&2; exit 2; }
# Which code was measured: the commit, and any uncommitted change under src/ (kept as a diff).
if git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1; then
  git -C "$ROOT" diff HEAD -- src > "$OUT/gateway-src.diff" || true
  echo "gateway source: commit $(git -C "$ROOT" rev-parse --short HEAD)," \
    "$(git -C "$ROOT" status --porcelain -- src | wc -l) uncommitted file(s) under src/" | tee "$OUT/gateway-source.txt"
fi

via_rc=0
run_suite "via-$MODE" "$GW_PORT" || via_rc=$?
[ "$via_rc" -eq 2 ] && { echo "conformance: the gateway run produced no results" >&2; exit 2; }

# --- compare; re-run new regressions once on both sides to separate flakes ------------------
# The lists key their groups by config; a shared-identity run is its own config ("plain/shared").
list_key=$MODE; [ "$CONFORMANCE_IDENTITY" = shared ] && list_key=$MODE/shared
cmp_args=("$DIRECT_JSON" "$OUT/via-$MODE.json" --config "$list_key"
          --expected "$HERE/expected-differences.json" --known "$HERE/known-regressions.json"
          --reasons "$OUT/via-$MODE.reasons.json" --new-out "$OUT/new-regressions.txt"
          --json-out "$OUT/comparison.json")
[ -f "$OUT/direct.reasons.json" ] && cmp_args+=(--direct-reasons "$OUT/direct.reasons.json")
cmp_rc=0
/usr/bin/python3 "$HERE/compare.py" "${cmp_args[@]}" --quiet > /dev/null || cmp_rc=$?
if [ "$cmp_rc" -eq 1 ] && [ "${CONFORMANCE_RERUN:-1}" = 1 ] && [ ${#ONLY[@]} -eq 0 ]; then
  mapfile -t again < "$OUT/new-regressions.txt"
  if [ ${#again[@]} -gt 0 ] && [ ${#again[@]} -le 40 ]; then
    say "re-running the ${#again[@]} new regression(s) once through the gateway (a pass there marks a flake)"
    ONLY=("${again[@]}")
    run_suite "rerun-via-$MODE" "$GW_PORT" || true
    cmp_args+=(--rerun "$OUT/rerun-via-$MODE.json")
    ONLY=()
  fi
fi
set +e
/usr/bin/python3 "$HERE/compare.py" "${cmp_args[@]}" | tee "$OUT/summary.txt"
cmp_rc=${PIPESTATUS[0]}
set -e
[ "$direct_rc" -eq 3 ] && echo "conformance: WARNING the direct run timed out (partial results)" | tee -a "$OUT/summary.txt"
[ "$via_rc" -eq 3 ] && echo "conformance: the gateway run timed out (partial results; missing tests count as regressions)" | tee -a "$OUT/summary.txt"
say "done after $SECONDS s (compare exit $cmp_rc); results in $OUT"
exit "$cmp_rc"
