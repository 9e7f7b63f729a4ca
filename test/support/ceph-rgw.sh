#!/usr/bin/env bash
# @module test/support/ceph-rgw.sh — boots one throwaway Ceph cluster (monitor + in-memory OSD +
# radosgw) on 127.0.0.1 so integration tests talk to a real S3 implementation, not a fake.
#
# usage: ceph-rgw.sh [DIR [RGW_PORT [MON_PORT [ACCESS_KEY [SECRET_KEY]]]]]
#   Every argument may instead come from the environment variable of the same name.
#   DIR         scratch directory; wiped first, holds config, logs, pid files (required)
#   RGW_PORT    S3 endpoint port               (default 7480)
#   MON_PORT    monitor port (msgr v2 only)    (default 3300)
#   ACCESS_KEY  S3 access key of user "tester" (default RGWACCESSKEY)
#   SECRET_KEY  S3 secret key of user "tester" (default RGWSECRETKEY)
#   MEMSTORE_BYTES  RAM the OSD may hold       (default 512 MiB; when full, requests HANG)
#   RGW_FRONTEND_OPTS  more beast options, e.g. "ssl_endpoint=127.0.0.1:PORT ssl_certificate=F
#                   ssl_private_key=F" for an HTTPS port beside the plain one (default none)
#   RGW_EXTRA_CONF  more lines for radosgw's config section, e.g. "rgw_crypt_require_ssl = false"
#
# Needs (Debian, as root): apt-get install -y --no-install-recommends radosgw ceph-mon ceph-osd
#   uuid-runtime curl
# Stop: kill the pids in DIR/rgw.pid, DIR/osd.pid, DIR/mon.pid, then remove DIR.
# Two clusters can run side by side when DIR, RGW_PORT and MON_PORT all differ; the OSD picks
# its own free ports in 6800-7300.
# Ceph 16 predates the SDK's trailing checksums (stream bodies get 411 MissingContentLength):
# clients must use requestChecksumCalculation "WHEN_REQUIRED".
set -euo pipefail

DIR=${1:-${DIR:-}}
RGW_PORT=${2:-${RGW_PORT:-7480}}
MON_PORT=${3:-${MON_PORT:-3300}}
ACCESS_KEY=${4:-${ACCESS_KEY:-RGWACCESSKEY}}
SECRET_KEY=${5:-${SECRET_KEY:-RGWSECRETKEY}}
MEMSTORE_BYTES=${MEMSTORE_BYTES:-536870912}
RGW_FRONTEND_OPTS=${RGW_FRONTEND_OPTS:-}
RGW_EXTRA_CONF=${RGW_EXTRA_CONF:-}
[ -n "$DIR" ] || { echo "usage: $0 DIR [RGW_PORT [MON_PORT [ACCESS_KEY [SECRET_KEY]]]]" >&2; exit 2; }

for tool in ceph-mon ceph-osd radosgw radosgw-admin ceph ceph-authtool monmaptool; do
  command -v "$tool" >/dev/null || {
    echo "missing $tool: apt-get install -y --no-install-recommends radosgw ceph-mon ceph-osd uuid-runtime curl" >&2
    exit 3
  }
done

# uuidgen is in uuid-runtime; the kernel offers the same thing when it is absent.
new_uuid() { if command -v uuidgen >/dev/null; then uuidgen; else cat /proc/sys/kernel/random/uuid; fi; }

# A failed start must not leave daemons behind; the directory stays so the logs can be read.
started=()
cleanup_on_failure() {
  local rc=$?
  if [ "$rc" -ne 0 ]; then
    for pid in "${started[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
    echo "ceph-rgw.sh: start failed (exit $rc); logs in $DIR/log" >&2
  fi
}
trap cleanup_on_failure EXIT

rm -rf "$DIR"
mkdir -p "$DIR"/{run,log,mon.a,osd.0,rgw,crash}
FSID=$(new_uuid)
CONF="$DIR/ceph.conf"

# No cephx: the cluster is private to one test run on loopback, and auth only slows start-up.
# Size-1 pools and few PGs: there is a single OSD, so replication and placement are moot.
# msgr v1 is off so that the only fixed port is MON_PORT (the OSD binds its own free ports).
cat > "$CONF" <<EOF
[global]
fsid = $FSID
mon_host = v2:127.0.0.1:$MON_PORT
public_addr = 127.0.0.1
ms_bind_msgr1 = false
auth_cluster_required = none
auth_service_required = none
auth_client_required = none
osd_pool_default_size = 1
osd_pool_default_min_size = 1
mon_allow_pool_size_one = true
mon_warn_on_pool_no_redundancy = false
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_pool_default_pg_autoscale_mode = off
mon_max_pg_per_osd = 1000
# The monitor batches map changes for 1 s by default; radosgw's first start issues a dozen of
# them one after another (one per pool), so batching dominated start-up (~11 s -> ~2 s).
paxos_propose_interval = 0.05
osd_crush_chooseleaf_type = 0
osd_objectstore = memstore
memstore_device_bytes = $MEMSTORE_BYTES
run_dir = $DIR/run
admin_socket = $DIR/run/\$name.asok
log_file = $DIR/log/\$name.log
pid_file = $DIR/run/\$name.pid
mon_data = $DIR/mon.\$id
osd_data = $DIR/osd.\$id
keyring = $DIR/keyring
crash_dir = $DIR/crash
exec_dir = $DIR/run

[client.rgw.gw]
ms_mon_client_mode = crc
rgw_frontends = beast endpoint=127.0.0.1:$RGW_PORT tcp_nodelay=1 $RGW_FRONTEND_OPTS
rgw_data = $DIR/rgw
# Deleted objects are only reclaimed by garbage collection (default: after 2 h); reclaim within
# a minute so a long test run does not fill the in-memory store, which would make requests hang.
rgw_gc_obj_min_wait = 30
rgw_gc_processor_period = 30
$RGW_EXTRA_CONF
EOF

C=(-c "$CONF")
log() { echo "[ceph-rgw $(date +%T)] $*" >> "$DIR/log/start.log"; }

# Monitor: the keyring is still required by mkfs even though auth is off.
log "mon mkfs"
ceph-authtool --create-keyring "$DIR/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
monmaptool --create --addv a "[v2:127.0.0.1:$MON_PORT]" --fsid "$FSID" "$DIR/monmap" >/dev/null
ceph-mon "${C[@]}" --mkfs -i a --monmap "$DIR/monmap" --keyring "$DIR/keyring" >> "$DIR/log/mkfs.out" 2>&1
# setsid: the daemons must outlive this script and not receive the caller's terminal signals.
setsid ceph-mon "${C[@]}" -i a -f > "$DIR/log/mon.out" 2>&1 < /dev/null &
echo $! > "$DIR/mon.pid"; started+=($!)

# OSD: registering it also proves the monitor answers.
log "osd new"
OSD_UUID=$(new_uuid)
OSD_ID=$(timeout 60 ceph "${C[@]}" osd new "$OSD_UUID" 2>> "$DIR/log/mkfs.out")
ceph-osd "${C[@]}" -i "$OSD_ID" --mkfs --osd-uuid "$OSD_UUID" >> "$DIR/log/mkfs.out" 2>&1
setsid ceph-osd "${C[@]}" -i "$OSD_ID" -f > "$DIR/log/osd.out" 2>&1 < /dev/null &
echo $! > "$DIR/osd.pid"; started+=($!)

log "radosgw"
setsid radosgw "${C[@]}" -n client.rgw.gw -f > "$DIR/log/rgw.out" 2>&1 < /dev/null &
RGW_PID=$!
echo "$RGW_PID" > "$DIR/rgw.pid"; started+=("$RGW_PID")

# radosgw creates its zone and pools on first start; creating the user before it listens would
# race that initialisation (two writers of the default zone), so wait for the HTTP port first.
http_up() {
  if command -v curl >/dev/null; then
    curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$RGW_PORT/"
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$RGW_PORT") 2>/dev/null
  fi
}
for _ in $(seq 120); do
  http_up && break
  kill -0 "$RGW_PID" 2>/dev/null || { echo "radosgw exited early; see $DIR/log/rgw.out" >&2; exit 4; }
  sleep 0.5
done
http_up || { echo "radosgw did not listen on $RGW_PORT within 60 s" >&2; exit 5; }

log "user create"
timeout 60 radosgw-admin "${C[@]}" user create --uid=tester --display-name=Tester \
  --access-key="$ACCESS_KEY" --secret-key="$SECRET_KEY" >> "$DIR/log/admin.out" 2>&1
log "ready"

trap - EXIT
echo "RGW http://127.0.0.1:$RGW_PORT pids mon=$(cat "$DIR/mon.pid") osd=$(cat "$DIR/osd.pid") rgw=$RGW_PID"
