#!/usr/bin/env bash
# A one-node Slurm cluster on localhost, and a sharded sweep run on it for real: Debian's
# slurm-wlm and munge (installed if missing), a configuration generated in a temporary
# directory, munged, slurmctld and slurmd started by hand (no systemd), then
# `sbatch --wait --array=0-3` of a 12-point sweep with `--shard auto`, `kendall merge` of the
# four shards, and a byte-for-byte comparison with the unsharded sweep. Exit 0 only when the
# merged CSV is identical; any step that fails (Slurm cannot start, a job fails, the CSVs
# differ) fails the script — it never skips. `.ci/run` calls it.
#
#   scripts/slurm-local.sh            (as root: it installs packages and runs the daemons)
#   KENDALL_BIN=target/debug/kendall scripts/slurm-local.sh   (a binary already built, as
#                                     .ci/run passes the one `cargo test` built)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

say() { echo "slurm-local: $*" >&2; }
die() {
    say "FAILED: $*"
    exit 1
}

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    say "installing slurm-wlm and munge"
    apt-get update -qq || die "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null ||
        die "apt-get install slurm-wlm munge"
fi

if [[ -n ${KENDALL_BIN:-} ]]; then
    kendall=$(realpath "$KENDALL_BIN")
else
    say "building kendall"
    cargo build --release --quiet || die "cargo build"
    kendall=${CARGO_TARGET_DIR:-$root/target}/release/kendall
fi
[[ -x $kendall ]] || die "no kendall binary at $kendall"

work=$(mktemp -d /tmp/kendall-slurm.XXXXXX)
chmod 755 "$work"
conf=$work/slurm.conf
export SLURM_CONF=$conf
cleanup() {
    scontrol shutdown >/dev/null 2>&1 || true
    for pid in "$work"/*.pid; do
        [[ -f $pid ]] && kill "$(cat "$pid")" 2>/dev/null || true
    done
    sleep 1
    rm -rf "$work"
}
trap cleanup EXIT

# munge: its own key, socket and files in the work directory.
mkdir -p "$work/munge"
dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$work/munge/munge.key"
munged --force --key-file="$work/munge/munge.key" --socket="$work/munge/socket" \
    --pid-file="$work/munged.pid" --log-file="$work/munge/log" \
    --seed-file="$work/munge/seed" || die "munged did not start"

# Free ports for the two daemons (a CI machine may run something on Slurm's defaults).
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
host=$(hostname -s)
mkdir -p "$work/state" "$work/spool"
cat >"$conf" <<EOF
ClusterName=kendall
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$(port)
SlurmdPort=$(port)
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$work/munge/socket
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
EOF
say "starting slurmctld and slurmd"
slurmctld -f "$conf" -i || die "slurmctld did not start: $(cat "$work/slurmctld.log" 2>/dev/null)"
slurmd -f "$conf" || die "slurmd did not start: $(cat "$work/slurmd.log" 2>/dev/null)"
for _ in $(seq 60); do
    state=$(sinfo -h -N -o %T 2>/dev/null | head -1 || true)
    [[ $state == idle* || $state == mixed* ]] && break
    sleep 1
done
[[ ${state:-} == idle* || ${state:-} == mixed* ]] ||
    die "the node did not come up (state: ${state:-none}); slurmctld.log: $(tail -5 "$work/slurmctld.log" 2>/dev/null); slurmd.log: $(tail -5 "$work/slurmd.log" 2>/dev/null)"

# The sweep: 3 consumer counts x 4 rates = 12 points, 4 shards of 3 points.
sweep=(sweep "$root/scenarios/mmc.toml" --set queues.orders.consumers=4,5,6
    --set producers.web.interarrival.rate=2.6..3.2:0.2 --replications 4 --customers 5000)
cat >"$work/shard.sh" <<EOF
#!/bin/bash
exec "$kendall" ${sweep[*]} --threads 1 --shard auto --csv "$work/shard-\$SLURM_ARRAY_TASK_ID.csv"
EOF
chmod +x "$work/shard.sh"
say "sbatch --wait --array=0-3"
(cd "$work" && sbatch --wait --array=0-3 --output="$work/job-%a.out" "$work/shard.sh" >/dev/null) ||
    die "the array job failed: $(cat "$work"/job-*.out 2>/dev/null)"
for i in 0 1 2 3; do
    [[ -s $work/shard-$i.csv && -s $work/shard-$i.csv.manifest ]] ||
        die "shard $i wrote no CSV and manifest: $(cat "$work/job-$i.out" 2>/dev/null)"
done
"$kendall" merge "$work"/shard-{3,1,0,2}.csv --csv "$work/merged.csv" || die "merge"
"$kendall" "${sweep[@]}" --csv "$work/whole.csv" >/dev/null 2>"$work/whole.err" ||
    die "the unsharded sweep: $(cat "$work/whole.err")"
cmp "$work/merged.csv" "$work/whole.csv" ||
    die "the merged shards differ from the unsharded sweep"
say "4 shards of a 12-point sweep ran as a Slurm job array and merged byte-identical to the unsharded sweep ($(($(wc -l <"$work/whole.csv") - 1)) rows)"
