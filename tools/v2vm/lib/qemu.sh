# Boots the VM for one job and turns what it did into our output and exit status (sourced by
# run). If we leave early (a signal), the caller's EXIT trap kills what this started, by the
# pids kept in qemu_pid, timer_pid and relay_pids.

# Debian's PVH-capable vmlinux on the default machine, software-emulated: /dev/kvm here only
# runs PVM guests (V2VM.md). init_on_alloc=0: zeroing every page made 9p metadata I/O 8x slower
# under TCG. panic=-1 with -no-reboot: a kernel panic ends qemu instead of hanging.
V2VM_APPEND='console=ttyS0 quiet cgroup_no_v1=all init_on_alloc=0 panic=-1 rdinit=/init'

run_vm() {
  local job=$1 vmlinux=$2 initrd=$3 stage2=$4 share=$5 timeout_s=$6

  local args=(
    -nodefaults -no-user-config -nographic -no-reboot
    -accel tcg,thread=multi -cpu max -smp 2 -m 4096
    -kernel "$vmlinux" -initrd "$initrd"
    -append "$V2VM_APPEND v2vm.stage2=$stage2 v2vm.job=$job"
    -chardev "file,id=console,path=$job/console.log" -serial chardev:console
    -fsdev local,id=root,path=/,security_model=none,readonly=on,multidevs=remap
    -device virtio-9p-pci,fsdev=root,mount_tag=v2vm-root
    -device virtio-serial-pci
    -chardev "file,id=stdout,path=$job/stdout" -device virtserialport,chardev=stdout,name=v2vm.stdout
    -chardev "file,id=stderr,path=$job/stderr" -device virtserialport,chardev=stderr,name=v2vm.stderr
    -chardev "file,id=status,path=$job/status" -device virtserialport,chardev=status,name=v2vm.status
  )
  if [[ -n "$share" ]]; then
    args+=(-fsdev "local,id=share,path=$share,security_model=none,multidevs=remap"
      -device virtio-9p-pci,fsdev=share,mount_tag=v2vm-share)
  fi

  # The relays open the fifos before qemu does: qemu's open for writing waits for a reader.
  cat <"$job/stdout" &
  local out_pid=$!
  cat <"$job/stderr" >&2 &
  local err_pid=$!
  relay_pids=("$out_pid" "$err_pid")

  qemu-system-x86_64 "${args[@]}" </dev/null >"$job/qemu.log" 2>&1 &
  qemu_pid=$!
  sleep "$timeout_s" &
  timer_pid=$!
  local first=

  wait -n -p first "$qemu_pid" "$timer_pid" || true
  local timed_out=
  if [[ "$first" == "$timer_pid" ]]; then
    timed_out=1
    kill -KILL "$qemu_pid" 2>/dev/null || true
    wait "$qemu_pid" 2>/dev/null || true
  else
    kill "$timer_pid" 2>/dev/null || true
    wait "$timer_pid" 2>/dev/null || true
  fi
  qemu_pid= timer_pid=

  finish_relay "$out_pid"
  finish_relay "$err_pid"
  relay_pids=()

  if [[ -n "$timed_out" ]]; then
    printf 'v2vm: timed out after %s s, qemu killed\n' "$timeout_s" >&2
    exit 124
  fi

  local status=
  [[ -f "$job/status" ]] && status=$(tr -dc '0-9' <"$job/status")
  if [[ -z "$status" ]]; then
    printf 'v2vm: the VM stopped before the command ended; qemu and console output:\n' >&2
    tail -n 5 "$job/qemu.log" >&2
    tail -n 25 "$job/console.log" >&2 2>/dev/null
    exit 125
  fi
  exit "$status"
}

# Waits for a relay once qemu is gone. A relay that got its fifo open is `cat` and reaches end
# of file by itself (every writer is gone); one still in bash's open() never got a writer, so
# it has nothing to pass on and is killed by its pid.
finish_relay() {
  local comm
  comm=$(cat "/proc/$1/comm" 2>/dev/null || true)
  if [[ -n "$comm" && "$comm" != cat ]]; then
    kill -KILL "$1" 2>/dev/null || true
  fi
  wait "$1" 2>/dev/null || true
}
