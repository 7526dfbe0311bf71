#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for nnexp's Slurm tests (run as root).
#
#   scripts/slurm-cluster.sh start    install slurm-wlm and munge if missing, write the
#                                     config, start munged, slurmctld and slurmd, wait
#                                     until `sinfo` shows the node idle
#   scripts/slurm-cluster.sh stop     stop the three daemons this script started (by
#                                     the process ids in their pid files)
#   scripts/slurm-cluster.sh status   sinfo
#
# The node is this machine (`hostname -s`, its CPU count and memory) in one default
# partition, `debug`; there is no accounting database (sacct does not work: nnexp
# tracks jobs with squeue). A slurm.conf that this script did not write is left alone.
set -euo pipefail

CONF=/etc/slurm/slurm.conf
MARK="# written by nnexp's scripts/slurm-cluster.sh"
RUN=/run/nnexp-slurm
SPOOL=/var/spool/nnexp-slurm
PIDS=("$RUN/slurmd.pid" "$RUN/slurmctld.pid" /run/munge/munged.pid)

install_packages() {
  command -v slurmctld >/dev/null 2>&1 && command -v munged >/dev/null 2>&1 && return
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge) >/dev/null
}

munge_key() {
  local key=/etc/munge/munge.key
  if [ ! -s "$key" ]; then
    mkdir -p /etc/munge
    dd if=/dev/urandom of="$key" bs=1024 count=1 status=none
  fi
  chown munge:munge "$key"
  chmod 400 "$key"
  mkdir -p /run/munge /var/lib/munge /var/log/munge
  chown munge:munge /run/munge /var/lib/munge /var/log/munge
}

write_config() {
  if [ -f "$CONF" ] && ! grep -qF "$MARK" "$CONF"; then
    echo "$CONF was not written by this script: using it as it is" >&2
    return
  fi
  local node cpus mem
  node=$(hostname -s)
  cpus=$(nproc --all)
  mem=$(awk '/MemTotal/ {print int($2 / 1024 * 0.9)}' /proc/meminfo)
  mkdir -p /etc/slurm "$RUN" "$SPOOL/ctld" "$SPOOL/d"
  cat > "$CONF" <<CONF
$MARK
ClusterName=nnexp
SlurmctldHost=$node
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
KillWait=10
StateSaveLocation=$SPOOL/ctld
SlurmdSpoolDir=$SPOOL/d
SlurmctldPidFile=$RUN/slurmctld.pid
SlurmdPidFile=$RUN/slurmd.pid
SlurmctldLogFile=$RUN/slurmctld.log
SlurmdLogFile=$RUN/slurmd.log
NodeName=$node CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

start() {
  install_packages
  munge_key
  write_config
  alive /run/munge/munged.pid || runuser -u munge -- /usr/sbin/munged
  alive "$RUN/slurmctld.pid" || /usr/sbin/slurmctld
  alive "$RUN/slurmd.pid" || /usr/sbin/slurmd
  for _ in $(seq 60); do
    if sinfo -h -o %T 2>/dev/null | grep -qx idle; then
      sinfo
      return 0
    fi
    scontrol update nodename="$(hostname -s)" state=resume >/dev/null 2>&1 || true
    sleep 1
  done
  echo "slurm did not come up; see $RUN/slurmctld.log and $RUN/slurmd.log" >&2
  return 1
}

stop() {
  for pidfile in "${PIDS[@]}"; do
    if alive "$pidfile"; then
      local pid
      pid=$(cat "$pidfile")
      kill "$pid"
      for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    fi
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) sinfo ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
