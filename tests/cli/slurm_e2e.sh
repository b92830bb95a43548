# The real Slurm of tests/cli/slurm_cases.sh (sourced from there, as root,
# with the simulated node of two 3g.40gb in $MIGSIM_STATE): munged,
# slurmctld and slurmd with everything in $su_dir and ports on 127.0.0.1;
# su_stop (slurm_cases.sh) stops them. Each fact of issue 17 about Slurm
# 22.05 is checked here: MultipleFiles= needs character devices; jobs see
# indices in Gres= then gres.conf order; a TaskProlog export replaces
# CUDA_VISIBLE_DEVICES; a new slice type needs gres.conf, Gres= and a
# reconfigure, and for slurmctld 22.05 a restart (migctl apply
# --slurm-reconfigure --slurm-restart), and the node stays schedulable.
# shellcheck shell=sh disable=SC2154

su_host=$(hostname -s)
su_port=$(su_free_port $((20000 + $$ % 20000)))
mkdir -p "$su_dir/munge" "$su_dir/ctld" "$su_dir/d" "$su_dir/out"
chmod 700 "$su_dir/munge"
dd if=/dev/urandom of="$su_dir/munge/munge.key" bs=1024 count=1 2>/dev/null
chmod 400 "$su_dir/munge/munge.key"
munged -f --socket="$su_dir/munge/munge.sock" --key-file="$su_dir/munge/munge.key" \
	--log-file="$su_dir/munge/munged.log" --pid-file="$su_dir/munge/munged.pid" \
	--seed-file="$su_dir/munge/munged.seed" 2>"$tmp/su_err" || { bad "slurm: munged"; cat "$tmp/su_err"; }
su_wait 5 test -s "$su_dir/munge/munged.pid" || bad "slurm: munged wrote no pid file"

# gres.conf and the node's Gres= from migctl, the rest of slurm.conf ours.
SLURM_CONF=$su_dir/etc/slurm.conf
export SLURM_CONF
"$migctl" slurm gres --file "$su_dir/etc/gres.conf" 2>"$tmp/su_err" || { bad "slurm: gres.conf"; cat "$tmp/su_err"; }
su_gres=$("$migctl" slurm nodes --node "$su_host" | sed 's/.* //')
# slurmstepd runs the TaskProlog in the job's directory: an absolute path.
su_migctl=$(cd "$(dirname "$migctl")" && pwd)/$(basename "$migctl")
cat >"$su_dir/etc/taskprolog" <<PROLOG
#!/bin/sh
exec $su_migctl slurm prolog
PROLOG
chmod 755 "$su_dir/etc/taskprolog"
cat >"$SLURM_CONF" <<CONF
ClusterName=migctl
SlurmctldHost=$su_host(127.0.0.1)
SlurmctldPort=$su_port
SlurmdPort=$((su_port + 1))
AuthType=auth/munge
AuthInfo=socket=$su_dir/munge/munge.sock
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$su_dir/ctld
SlurmdSpoolDir=$su_dir/d
SlurmctldPidFile=$su_dir/ctld.pid
SlurmdPidFile=$su_dir/d.pid
SlurmctldLogFile=$su_dir/ctld.log
SlurmdLogFile=$su_dir/d.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
TaskProlog=$su_dir/etc/taskprolog
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
GresTypes=gpu
ReturnToService=2
MpiDefault=none
SwitchType=switch/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
NodeName=$su_host NodeAddr=127.0.0.1 CPUs=2 RealMemory=1000 $su_gres State=UNKNOWN
PartitionName=debug Nodes=$su_host Default=YES MaxTime=INFINITE State=UP
CONF
su_eq "slurm: Gres= from migctl slurm nodes" "$su_gres" "Gres=gpu:3g.40gb:2"

slurmctld 2>"$tmp/su_err" || { bad "slurm: slurmctld"; cat "$tmp/su_err"; }
su_wait 10 test -s "$su_dir/ctld.pid" || bad "slurm: slurmctld wrote no pid file"
slurmd 2>"$tmp/su_err" || { bad "slurm: slurmd"; cat "$tmp/su_err"; }
su_wait 10 test -s "$su_dir/d.pid" || bad "slurm: slurmd wrote no pid file"
su_idle() { sinfo -h -n "$su_host" -o %T | grep -qx idle; }
su_wait 30 su_idle || { bad "slurm: the node never became idle"; sinfo -N -l; tail -5 "$su_dir/ctld.log" "$su_dir/d.log"; }

# su_job GRES: one job's CUDA_VISIBLE_DEVICES and SLURM_STEP_GPUS.
su_job() {
	timeout 60 srun -N1 -n1 --gres="$1" sh -c 'echo "$CUDA_VISIBLE_DEVICES $SLURM_STEP_GPUS"' 2>"$tmp/su_err"
}

su_out=$(su_job gpu:3g.40gb:1)
su_cvd=${su_out% *}
su_eq "slurm: a 3g.40gb job sees one slice's MIG UUID" "$(su_uuids 3g.40gb | grep -cx "$su_cvd")" 1
# Slurm itself gave the job an index; the TaskProlog's export replaced
# CUDA_VISIBLE_DEVICES, which Slurm had set to that index too.
su_eq "slurm: Slurm's own view is an index" "$(echo "${su_out#* }" | grep -cxE '[0-9]+')" 1

# Two jobs at once never share a slice.
for su_i in 1 2; do
	timeout 60 srun -N1 -n1 --gres=gpu:3g.40gb:1 sh -c 'echo "$CUDA_VISIBLE_DEVICES"; sleep 3' \
		>"$su_dir/out/job$su_i" 2>&1 &
done
wait
su_eq "slurm: two concurrent jobs get the two different slices" \
	"$(cat "$su_dir/out/job1" "$su_dir/out/job2" | sort)" "$(su_uuids 3g.40gb)"

# New types at the same count: gres.conf, the node's Gres= and `scontrol
# reconfigure` are not enough for slurmctld 22.05 (it keeps File= GRES
# until it restarts); migctl says so (exit 21) and leaves both files right.
su_show() { scontrol show node "$su_host" | sed -n 's/^ *Gres=\([^ ]*\).*/\1/p'; }
"$migctl" apply -f "$su_cfg" -c three-two --slurm-reconfigure >/dev/null 2>"$tmp/su_err"
su_eq "slurm: apply --slurm-reconfigure without a restart: exit 21" "$?" 21
grep -q 'only when slurmctld restarts' "$tmp/su_err" && ok || { bad "slurm: ... and says why"; cat "$tmp/su_err"; }
su_eq "slurm: scontrol reconfigure alone keeps the old GRES" "$(su_show)" "gpu:3g.40gb:2"
su_eq "slurm: slurm.conf has the new Gres=" "$(sed -n "s/^NodeName=$su_host .*\(Gres=[^ ]*\).*/\1/p" "$SLURM_CONF")" \
	"Gres=gpu:3g.40gb:1,gpu:2g.20gb:1"
# The restart, as an administrator gives it.
su_restart="p=\$(cat $su_dir/ctld.pid); kill \$p; while kill -0 \$p 2>/dev/null; do sleep 0.1; done; slurmctld"
"$migctl" slurm reconfigure --restart "$su_restart" >/dev/null 2>"$tmp/su_err"
su_eq "slurm: slurm reconfigure --restart: done" "$?" 0
su_eq "slurm: scontrol show node reports the new GRES" "$(su_show)" "gpu:3g.40gb:1,gpu:2g.20gb:1"
su_wait 30 su_idle || { bad "slurm: the node is not idle after the restart"; scontrol show node "$su_host" | grep -E 'State|Reason'; }
su_out=$(su_job gpu:2g.20gb:1)
su_eq "slurm: a job gets the new 2g.20gb slice" "${su_out% *}" "$(su_uuids 2g.20gb)"
su_eq "slurm: ... which is Slurm's index 1 (Gres= order: 3g.40gb first)" "${su_out#* }" 1

# A new count (2 -> 4 slices) in one apply, with the restart command, on
# a node that Slurm drained meanwhile (as it does when slurmd and
# slurmctld disagree on the GRES): migctl resumes it.
scontrol update NodeName="$su_host" State=DRAIN Reason=migctl-test >/dev/null 2>&1
su_eq "slurm: the node is drained before the apply" "$(sinfo -h -n "$su_host" -o %T | grep -c 'drain')" 1
"$migctl" apply -f "$su_cfg" -c mixed --slurm-reconfigure --slurm-restart "$su_restart" >/dev/null 2>"$tmp/su_err" ||
	{ bad "slurm: apply --slurm-reconfigure --slurm-restart"; cat "$tmp/su_err"; }
grep -q 'and reconfigured (slurmctld restarted); node resumed' "$tmp/su_err" && ok ||
	{ bad "slurm: apply says it restarted slurmctld and resumed the drained node"; cat "$tmp/su_err"; scontrol show node "$su_host"; tail -15 "$su_dir/ctld.log"; }
su_eq "slurm: scontrol show node reports the 4 new slices" "$(su_show)" "gpu:3g.40gb:1,gpu:2g.20gb:1,gpu:1g.10gb:2"
su_wait 30 su_idle || { bad "slurm: the node is not idle after the new count"; scontrol show node "$su_host" | grep -E 'State|Reason'; }
su_out=$(su_job gpu:1g.10gb:2)
su_eq "slurm: a job gets both new 1g.10gb slices" "$(echo "${su_out% *}" | tr ',' '\n' | sort)" "$(su_uuids 1g.10gb)"
su_out=$(su_job gpu:3g.40gb:1)
su_eq "slurm: ... and a 3g.40gb job the 3g.40gb slice" "${su_out% *}" "$(su_uuids 3g.40gb)"
"$migctl" apply -f "$su_cfg" -c mixed --slurm-reconfigure >/dev/null 2>"$tmp/su_err"
grep -q 'already lists this layout; not reconfigured' "$tmp/su_err" && ok || { bad "slurm: an unchanged layout does not reconfigure"; cat "$tmp/su_err"; }

# Slurm rejects MultipleFiles= of plain files: the job gets no GPU
# variables at all.
su_plain=$su_dir/plain
mkdir -p "$su_plain"
: >"$su_plain/nvidia0"; : >"$su_plain/cap1"; : >"$su_plain/cap2"
printf 'Name=gpu Type=1g.10gb MultipleFiles=%s/nvidia0,%s/cap1,%s/cap2\n' "$su_plain" "$su_plain" "$su_plain" >"$su_dir/etc/gres.conf"
sed -i "s/^NodeName=$su_host .*/NodeName=$su_host NodeAddr=127.0.0.1 CPUs=2 RealMemory=1000 Gres=gpu:1g.10gb:1 State=UNKNOWN/" "$SLURM_CONF"
scontrol reconfigure >/dev/null 2>&1
sleep 1
sh -c "$su_restart" >/dev/null 2>&1
sleep 2
scontrol update NodeName="$su_host" State=RESUME >/dev/null 2>&1
grep -q 'is not a valid character or block device' "$su_dir/d.log" && ok || bad "slurm: slurmd rejects plain files in MultipleFiles="
su_out=$(timeout 20 srun -N1 -n1 --immediate=10 --gres=gpu:1g.10gb:1 sh -c 'echo "[$SLURM_STEP_GPUS]"' 2>/dev/null)
su_eq "slurm: plain files in MultipleFiles= give a job no GPU" "$(echo "$su_out" | grep -c '\[[0-9]')" 0
