#!/bin/sh
# Builds one container's filesystem view and then becomes the container's command.
#
# Started by containers.ts as `ip netns exec <pod> unshare --mount --uts --pid -- sh <this>`:
# this shell is in the pod's network namespace and in fresh mount and UTS namespaces, while its
# first child becomes PID 1 of a fresh PID namespace. So this shell must not fork before it
# starts that child (a command substitution would become PID 1 and end the namespace with it).
# The child does all the setup and executes the command; this shell stays outside as its
# parent and exits with its status (128+signal when it was killed), as a runtime reports it.
#
# The root is an overlay of the host's / with a tmpfs upper layer: mount points such as /data
# are created in that layer, so the host is never written, and the layer vanishes with the
# namespace, like a container's writable layer at a restart.
#
# Settings arrive in KUBE_EMULATOR_* variables (removed before the command starts, so the
# container sees only its own env). Arguments: SOURCE TARGET ro|rw triples, then --, then the
# command. On fd 3 it reports "pid <host pid of the container's PID 1>", and "started" right
# before the command is executed.
set -eu

dir=$KUBE_EMULATOR_CONTAINER_DIR
hosts=$KUBE_EMULATOR_HOSTS
resolv=$KUBE_EMULATOR_RESOLV
hostname_file=$KUBE_EMULATOR_HOSTNAME_FILE
pod_hostname=$KUBE_EMULATOR_POD_HOSTNAME
uid=$KUBE_EMULATOR_UID
gid=$KUBE_EMULATOR_GID
groups=$KUBE_EMULATOR_GROUPS
readonly_root=$KUBE_EMULATOR_READONLY_ROOT
no_new_privs=$KUBE_EMULATOR_NO_NEW_PRIVS
workdir=$KUBE_EMULATOR_WORKDIR
unset KUBE_EMULATOR_CONTAINER_DIR KUBE_EMULATOR_HOSTS KUBE_EMULATOR_RESOLV KUBE_EMULATOR_HOSTNAME_FILE \
  KUBE_EMULATOR_POD_HOSTNAME KUBE_EMULATOR_UID KUBE_EMULATOR_GID KUBE_EMULATOR_GROUPS \
  KUBE_EMULATOR_READONLY_ROOT KUBE_EMULATOR_NO_NEW_PRIVS KUBE_EMULATOR_WORKDIR KUBE_EMULATOR_INSTANCE

# The environment is the container's, PATH included; the tools below come from the host's PATH.
container_path=$PATH
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# kubelet-managed files (the pod's hosts file, resolver and hostname) are bound over the image's.
bind_file() {
  if [ -L "$2" ]; then rm -f "$2"; fi
  if [ ! -e "$2" ]; then : >"$2"; fi
  mount --bind "$old$1" "$2"
}

become_container() {
  # An asynchronous list starts with SIGINT and SIGQUIT ignored; a container's PID 1 does not.
  trap - INT QUIT
  umask 022
  setpriv_bin=$(command -v setpriv)

  # The writable layer lives in this mount namespace only; the host never sees it.
  mount -t tmpfs -o mode=0755 layer "$dir/layer"
  mkdir "$dir/layer/upper" "$dir/layer/work" "$dir/layer/scratch"
  mount -t overlay overlay -o "lowerdir=/,upperdir=$dir/layer/upper,workdir=$dir/layer/work" "$dir/rootfs"

  # Switch roots first and mount afterwards, so targets resolve inside the container (a symlink
  # such as /var/run -> /run must not lead back to the host). The host stays reachable at $old
  # until the last bind is done.
  old=/.kube-emulator-host
  mkdir -p "$dir/rootfs$old"
  cd "$dir/rootfs"
  pivot_root . ".$old"
  cd /
  scratch=$old$dir/layer/scratch

  mount -t proc -o nosuid,nodev,noexec proc /proc
  mount -t sysfs -o ro,nosuid,nodev,noexec sysfs /sys

  # A minimal /dev as container runtimes provide, instead of the host's devices.
  mount -t tmpfs -o mode=0755,nosuid dev /dev
  for node in null zero full random urandom tty; do
    : >"/dev/$node"
    mount --bind "$old/dev/$node" "/dev/$node"
  done
  mkdir /dev/pts /dev/shm
  mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts /dev/pts
  mount -t tmpfs -o mode=1777,nosuid,nodev shm /dev/shm
  ln -s pts/ptmx /dev/ptmx
  ln -s /proc/self/fd /dev/fd
  ln -s /proc/self/fd/0 /dev/stdin
  ln -s /proc/self/fd/1 /dev/stdout
  ln -s /proc/self/fd/2 /dev/stderr

  # An image starts with empty scratch directories; the host's must not show through.
  for path in /tmp /var/tmp /run; do
    mkdir -p "$scratch$path" "$path"
    chmod 1777 "$scratch$path"
    mount --bind "$scratch$path" "$path"
  done
  chmod 0755 "$scratch/run"

  bind_file "$hosts" /etc/hosts
  bind_file "$resolv" /etc/resolv.conf
  bind_file "$hostname_file" /etc/hostname
  printf '%s' "$pod_hostname" >/proc/sys/kernel/hostname

  # Volume mounts, parents first. Read-only binds are remounted at once, as runc does.
  while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do
    source=$old$1
    target=$2
    mode=$3
    shift 3
    if [ -d "$source" ]; then
      mkdir -p "$target"
    else
      mkdir -p "$(dirname "$target")"
      if [ ! -e "$target" ]; then : >"$target"; fi
    fi
    mount --bind "$source" "$target"
    if [ "$mode" = ro ]; then mount -o remount,bind,ro "$target"; fi
  done
  shift

  if [ -n "$workdir" ]; then mkdir -p "$workdir"; fi
  umount -l "$old"
  rmdir "$old"
  if [ "$readonly_root" = true ]; then
    mount -o remount,bind,ro /
    for path in /tmp /var/tmp /run; do mount -o remount,bind,ro "$path"; done
  fi
  if [ -n "$workdir" ]; then cd "$workdir"; fi

  set -- --reuid "$uid" --regid "$gid" --pdeathsig KILL -- "$@"
  if [ -n "$groups" ]; then set -- --groups "$groups" "$@"; else set -- --clear-groups "$@"; fi
  if [ "$no_new_privs" = true ]; then set -- --no-new-privs "$@"; fi

  echo started >&3
  exec 3>&-
  PATH=$container_path
  exec "$setpriv_bin" "$@"
}

become_container "$@" &
pid1=$!
echo "pid $pid1" >&3
exec 3>&-
status=0
wait "$pid1" || status=$?
exit "$status"
