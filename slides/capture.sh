#!/bin/sh
# Run the chapter binaries and keep what they print, for the slide decks.
#
#   sh slides/capture.sh BUILD GB OUTDIR      (slides/slides.mk runs it)
#
# Each `cap NAME EXPECT COMMAND` line below runs COMMAND with sh in a
# directory that looks like the top of the source tree, except that its
# build/ holds BUILD's binaries and GB's guests, so COMMAND reads exactly as
# a student types it.  It writes "$ COMMAND" and everything COMMAND printed
# (stdout and stderr) to OUTDIR/NAME.txt, which slides/splice.awk puts into
# the deck in place of the line `<!-- capture: NAME -->`.
#
# EXPECT is a string the output must contain.  If it is missing, a chapter
# has changed under its deck (or, in a student tree, its exercises are not
# done yet): the fragment ends with a line saying so, and a warning is
# printed.  The decks still build; tests/slides/render.sh fails on that
# line, so a deck never goes stale unnoticed.
#
# `kcap` is `cap` for commands that need KVM.  Where no VM can be created
# here, kcap writes "output not captured here: REASON" instead, and the decks
# still build.
set -eu

BUILD=$(cd "$1" && pwd)
GB=$(cd "$2" && pwd)
OUT=${3%/}
TOP=$(pwd)
RUN=$OUT/run
# render.sh looks for these words.
MISMATCH="NOT AS THIS DECK EXPECTS: the output lacks"

rm -rf "$OUT"
mkdir -p "$RUN/build"
for f in ch01 ch02 ch03 ch04 ch05 ch06 ch07 ch08 ch09 kvmlab-net bench doctor; do
	ln -s "$BUILD/$f" "$RUN/build/$f"
done
mkdir "$RUN/build/tests"
ln -s "$BUILD/tests/udpecho" "$RUN/build/tests/udpecho"
ln -s "$GB" "$RUN/build/guest"
for d in chapters guest include kvmlab mk tests; do
	ln -s "$TOP/$d" "$RUN/$d"
done
# The binaries look for their guests beside themselves (in BUILD/guest);
# point them at build/guest in RUN, which is GB, so they print that path.
export KVMLAB_GUEST_DIR=build/guest

if "$BUILD/doctor" --probe >"$OUT/probe.txt" 2>&1; then
	no_kvm=
else
	no_kvm="KVM cannot create a VM on the machine that built this deck: $(tail -n 1 "$OUT/probe.txt")"
	# slides/slides.mk captures again next time, when KVM may work.
	touch "$OUT/no-kvm"
fi

cap() {
	name=$1 expect=$2
	shift 2
	status=0
	(cd "$RUN" && eval "$*") >"$OUT/$name.out" 2>&1 || status=$?
	{
		printf '$ %s\n' "$*"
		cat "$OUT/$name.out"
		if ! grep -qF -- "$expect" "$OUT/$name.out"; then
			printf '\n%s "%s" (status %d)\n' "$MISMATCH" "$expect" \
				"$status"
			printf '%s: warning: %s: no "%s" in the output of: %s\n' \
				"$0" "$name" "$expect" "$*" >&2
		fi
	} >"$OUT/$name.txt"
	rm -f "$OUT/$name.out"
}

kcap() {
	if [ -n "$no_kvm" ]; then
		{
			printf '$ %s\n\n' "$3"
			printf 'output not captured here: %s\n' "$no_kvm" |
				fold -s -w 72
		} >"$OUT/$1.txt"
	else
		cap "$@"
	fi
}

# ---- Chapter 1: the KVM API in real mode ----------------------------------

# strace shows the ioctls in the order they happen.  It is not one of
# kvmlab's packages: without it, grep shows where main.c makes them.
if strace -o /dev/null true 2>/dev/null; then
	kcap ch01-ioctls 'KVM_RUN' \
		"strace -e ioctl -e verbose=none ./build/ch01 -q 2>&1 >/dev/null | grep -m12 KVM_"
else
	cap ch01-ioctls 'KVM_RUN' \
		"grep -no 'ioctl([^,]*, KVM_[A-Z_]*' chapters/01-real-mode/main.c"
fi
cap ch01-size 'main.c' \
	"wc -l chapters/01-real-mode/main.c chapters/01-real-mode/guest.S"
cap ch01-region 'KVM_SET_USER_MEMORY_REGION' \
	"grep -A6 'kvm_userspace_memory_region region' chapters/01-real-mode/main.c"
cap ch01-regs 'regs.rip' \
	"grep -nE '^\s+(sregs|regs)\.[a-z.]+ =' chapters/01-real-mode/main.c"
cap ch01-listing 'hlt' \
	"sed -n '/ 1000:/,/ 1010:/p' build/guest/ch01.lst"
cap ch01-loop 'KVM_EXIT_HLT' \
	"sed -n '/switch (.*exit_reason)/,/ABI_STATUS_FAULT;/p' chapters/01-real-mode/main.c | grep -v '\\*'"
kcap ch01-stats 'HLT' \
	"./build/ch01 --stats -q"
kcap ch01-trace '"reason":"HLT"' \
	"./build/ch01 --trace t.json -q >/dev/null; head -n 3 t.json; echo ...; tail -n 2 t.json"
kcap ch01-spell 'Hello' \
	"sed -n 's/.*\"data\":\([0-9]*\).*/\1/p' t.json | awk '{ printf \"%c\", \$1 }'"
kcap ch01-bench 'per exit' \
	"./build/bench build/guest/tests/bench_out16.bin build/ch01"
cap ch01-nokvm 'exit status 69' \
	"KVMLAB_KVM_DEV=/dev/nonexistent ./build/ch01; echo \"exit status \$?\""
kcap ch01-loop16 'exit status 124' \
	"./build/ch01 --guest build/guest/tests/loop16.bin --timeout 1 -q; echo \"exit status \$?\""
kcap ch01-status 'exit status 3' \
	"./build/ch01 --guest build/guest/tests/status16.bin -q; echo \"exit status \$?\""
kcap ch01-doctor 'VM can' \
	"grep -cwE 'vmx|svm' /proc/cpuinfo; ./build/doctor | grep -E 'VM can|vmx|FAIL'"

# ---- Chapter 2: protected mode --------------------------------------------

cap ch02-gdt '.quad' \
	"grep -n '\.quad' guest/boot/realmode.S"
cap ch02-switch 'ljmpl' \
	"sed -n '/<_start>:/,/ljmpl/p' build/guest/ch02.lst"
kcap ch02-guest 'GDTR' \
	"./build/ch02 -q | grep -E '^(Hello|entered|segments|CR0|GDTR)'"
kcap ch02-segments 'when the guest stopped' \
	"./build/ch02 -q | grep -E '^---|^  (mode|cs |gdt|cr0)|code exec'"
kcap ch02-direct 'KVM_SET_SREGS' \
	"./build/ch02 --direct -q | grep -E '^---|^  (mode|cs |gdt)|^entered'"
cap ch02-modes 'vcpu_set_sregs' \
	"sed -n '/^static int enter_protected/,/^}/p' kvmlab/machine/boot.c"
kcap ch02-stats 'IO out' \
	"./build/ch02 --stats -q >/dev/null; ./build/ch02 --direct --stats -q >/dev/null"
kcap ch02-wrong 'exit status 65' \
	"./build/ch02 --guest build/guest/ch03.elf; echo \"exit status \$?\""

# ---- Chapter 3: paging and long mode --------------------------------------

cap ch03-order 'ljmp' \
	"sed -n '/%cr4,%eax/,/ljmp/p' build/guest/ch03.lst"
cap ch03-vmm-order 'CR0_PG' \
	"sed -n '/s->cr3 = cr3;/,/CR0_WP;/p' kvmlab/x86/modes.c | grep -Ev '^\s*(/\*|\*( |/|\$))'"
kcap ch03-run 'page faults handled' \
	"./build/ch03 -q | sed -n '1,/^page faults/p'"
cap ch03-fault '0x40000000' \
	"grep -B3 -A1 ',0x40000000$' build/guest/ch03.lst"
cap ch03-handler 'invlpg' \
	"sed -n '/PML4 (bits 47-39)/,/invlpg/p' chapters/03-long-mode/guest.c | grep -Ev '^\s*(/\*|\*( |/|\$))'"
kcap ch03-walk 'both agree' \
	"./build/ch03 -q | sed -n '/^--- translating/,\$p'"
kcap ch03-stats 'IO out' \
	"./build/ch03 --stats -q >/dev/null"
kcap ch03-guest-paging 'the guest' \
	"./build/ch03 --guest-paging -q | grep -E '^(CR0|CR3|page tables|page walk)|^  PML4|agree'"
kcap ch03-triple 'SHUTDOWN' \
	"./build/ch03 --guest build/guest/tests/triple64.elf -q; echo \"exit status \$?\""
kcap ch03-paging32 'guest stopped' \
	"./build/ch03 --paging32 >/dev/null; echo \"exit status \$?\""

# ---- Chapter 4: device emulation over port I/O ---------------------------

# Source quoted below may carry the labs' exercise markers (an EXERCISE
# comment, #ifndef KVMLAB_STUBS, the stub after #else): drop the stub and
# the #if lines; the EXERCISE comment stays and names the exercise.
unstub="sed '/^#else/,/^#endif/d; /^#if/d'"

# The monitor reads its commands from stdin: each run gets a script
# through a pipe, as tests/guest/ch04.sh does, never the terminal.
kcap ch04-session 'exit status 3' \
	"printf 'echo hello, world\noutb 0x3ff 0x42\ninb 0x3ff\nexit 3\n' | ./build/ch04 -q; echo \"exit status \$?\""
kcap ch04-ports 'serial 0x3f8:' \
	"printf 'echo hi\nexit\n' | ./build/ch04 --stats -q 2>&1 >/dev/null"
cap ch04-init 'FCR_FIFO' \
	"sed -n '/^void uart_init/,/^}/p' guest/drivers/uart8250.c | $unstub"
cap ch04-putc '<out>' \
	"sed -n '/<uart_putc>:/,/^\$/p' build/guest/ch04.lst"
kcap ch04-key '"data":65' \
	"printf 'A' | ./build/ch04 -q --trace t.json >/dev/null; grep -B1 -A2 '\"in\",\"port\":1016,.*\"data\":65,' t.json"
kcap ch04-burst-off 'per byte out' \
	"printf 'burst off\nbytes 1000\nexit\n' | ./build/ch04 --stats -q 2>&1 >/dev/null | grep -E '^exit|out  0x3f8|in   0x3fd|^serial'"
cap ch04-write 'FIFO_SIZE' \
	"sed -n '/^void uart_write/,/^}/p' guest/drivers/uart8250.c | $unstub"
kcap ch04-burst-on 'per byte out' \
	"printf 'bytes 1000\nexit\n' | ./build/ch04 --stats -q 2>&1 >/dev/null | grep -E '^exit|out  0x3f8|in   0x3fd|^serial'"
# What `make bench` prints about 64-bit exits (chapter 5's deck shows it
# too): about ten seconds, half of the capture's time.
kcap ch04-bench 'ratio MMIO' \
	"./build/bench build/guest/tests/bench_out16.bin build/ch01 build/guest/tests/bench_exit64.elf | sed -n '/64-bit/,\$p'"
cap ch04-register 'bus_register(bus' \
	"grep -B1 -A1 'serial8250_register(&uart' chapters/04-port-io/main.c; grep -A1 'r = bus_register' kvmlab/dev/board.c"
kcap ch04-unclaimed 'reads as all ones' \
	"printf 'inb 0x80\nexit\n' | ./build/ch04 --stats 2>&1 | grep -E '^> inb|^0x|unclaimed'"
cap ch04-find 'lo = mid + 1' \
	"sed -n '/^struct bus_device \*bus_find/,/^}/p' kvmlab/dev/bus.c | $unstub"
cap ch04-raw 'ICANON' \
	"sed -n '/raw = saved;/,/VTIME/p' kvmlab/cli/term.c"
kcap ch04-dlab 'after --timeout 2' \
	"printf 'outb 0x3fb 0x83\necho hi\n' | ./build/ch04 --timeout 2 --stats -q 2>&1 | grep -E '^(> |kvmlab: error)|in   0x3f[8d] '"
kcap ch04-loop 'overruns' \
	"printf 'outb 0x3fc 0x13\n' | ./build/ch04 --stats 2>&1 | grep -E '^> |overruns|stopped'"

# ---- Chapter 5: MMIO and the device tree ----------------------------------

kcap ch05-run 'SUCCESS' \
	"./build/ch05 -q"
kcap ch05-stats 'mmio bus: clock' \
	"./build/ch05 --stats -q 2>&1 >/dev/null | grep -E '^exit|^  (IO|MMIO)  |0xc0000018|in   0x3ff|bus:'"
kcap ch05-trace '"MMIO","dir":"write"' \
	"./build/ch05 --trace t.json -q >/dev/null; grep '\"MMIO\",\"dir\":\"write\"' t.json"
kcap ch05-timing 'MMIO reads' \
	"./build/ch05 -q --cmdline loops=20000 | grep '^timing'"
kcap ch05-clock 'ACCESSES' \
	"./build/ch05 -q | grep '^clock'"
cap ch05-latch 'clk_read32(ABI_CLOCK_NOW_HI)' \
	"grep -B1 'c->sample = ' kvmlab/dev/clock.c; sed -n '/^static uint64_t clk_now_halves/,/^}/p' chapters/05-mmio-devicetree/guest.c | $unstub"
cap ch05-ioremap 'PTE_PCD' \
	"grep -A2 '\*pte = pa' guest/drivers/ioremap.c"
cap ch05-describe 'dt_add_device' \
	"grep -A4 'r = bus_register' kvmlab/dev/board.c; sed -n '/m.board.dt = &tree;/,/ABI_MMIO_CLOCK/p' chapters/05-mmio-devicetree/main.c"
cap ch05-build 'fdt_finish' \
	"sed -n '/^static int build(/,/^}/p' kvmlab/dev/fdt.c | $unstub"
kcap ch05-dts-top 'stdout-path' \
	"./build/ch05 --dump-dtb ch05.dtb -q >/dev/null; dtc -I dtb -O dts ch05.dtb | sed '/^\tcpus {/,\$d'"
kcap ch05-dts-devices 'ns16550a' \
	"dtc -I dtb -O dts ch05.dtb | sed -n '/^\tmemory@0/,\$p'"
kcap ch05-rdi 'd0 0d fe ed' \
	"./build/ch05 -q --mono --tui-script 'xp 1f0000<enter>' | grep -E '^(rdx|at |physical|001f00[0-3])'"
kcap ch05-mem 'memory: 0x0-0x7fffff' \
	"./build/ch05 -q --mem 8M | grep -E '^(device tree|memory|reserved)'"
cap ch05-find 'fdt_path_offset_namelen' \
	"sed -n '/^static int find_console/,/^}/p' chapters/05-mmio-devicetree/guest.c | $unstub"
kcap ch05-nordi 'exit status 2' \
	"./build/ch03 --guest build/guest/ch05.elf -q; echo \"exit status \$?\""
kcap ch05-dump-error 'exit status 64' \
	"./build/ch05 --dump-dtb /no/such/x.dtb -q; echo \"exit status \$?\""

# ---- Chapter 6: interrupts -------------------------------------------------

# As in chapter 4, the monitor reads a script from a pipe.  The waits use
# sleep in the pipe, as tests/guest/ch06.sh wait does: chapter 4 polls
# through them, chapter 6 sleeps.
kcap ch06-session 'exit status 3' \
	"printf 'echo hello,   world\nsleep 20\nuptime\npic\nexit 3\n' | ./build/ch06 -q; echo \"exit status \$?\""
kcap ch06-wait04 'in   0x3fd' \
	"(sleep 2; printf 'echo hi\nexit 3\n') | ./build/ch04 --stats -q 2>&1 >/dev/null | grep -E '^exit stat|in   0x3f[de]'"
kcap ch06-wait06 'exit statistics' \
	"(sleep 2; printf 'echo hi\nexit 3\n') | ./build/ch06 --stats -q 2>&1 >/dev/null | grep -E '^exit stat|in   0x3f[de]'"
cap ch06-irqchip 'KVM_CREATE_PIT2' \
	"grep -B1 'irqchip_create(&m->vm)' kvmlab/machine/machine.c; grep -h 'ioctl(vm->fd, KVM_CREATE' kvmlab/irq/irqchip.c"
cap ch06-pic-init 'ICW2' \
	"sed -n '/^void pic_init/,/^}/p' guest/drivers/pic8259.c | $unstub"
kcap ch06-stats 'unclaimed 0' \
	"printf 'sleep 50\nexit\n' | ./build/ch06 --stats -q 2>&1 >/dev/null | grep -E '^exit stat|^  IO |bus:'"
kcap ch06-halt5 'exit status 0' \
	"./build/ch05 --guest build/guest/tests/clihlt64.elf -q; echo \"exit status \$?\""
kcap ch06-halt6 'interrupts off' \
	"./build/ch06 --guest build/guest/tests/clihlt64.elf --timeout 2 -q 2>&1 | grep -E '^halting|error|likely|where|stopped'"
cap ch06-handler 'pic_eoi(line)' \
	"sed -n '/^static void uart_handler/,/^}/p' guest/drivers/uart_irq.c | $unstub"
cap ch06-resample 'signal_fd(k->irqfd)' \
	"sed -n '/^static void resample/,/^}/p' kvmlab/irq/kvmirq.c | $unstub"
kcap ch06-lines 'KVM_IRQ_LINE' \
	"for how in irqfd line; do printf 'echo hi\nexit\n' | ./build/ch06 --irq \$how --stats -q 2>&1 >/dev/null | grep -E '^exit stat|^line 4|I/O thread'; done"
cap ch06-wfi 'sti; hlt' \
	"grep -h 'sti; hlt; cli' guest/lib/cpu.h; sed -n '/^int uart_irq_getc/,/^}/p' guest/drivers/uart_irq.c | $unstub"
# One key, typed once the banner is out: from the receive interrupt's first
# IIR read (0xcc, a character timeout) to the end of the echo.
kcap ch06-key '"data":65' \
	"(sleep 1; printf A; sleep 1) | ./build/ch06 -q --trace t.json >/dev/null; grep -m1 -A9 '\"port\":1018,\"size\":1,\"count\":1,\"data\":204' t.json | sed 's/\"reason\":\"IO\",//; s/\"size\":1,\"count\":1,//; s/,\"rip\":[0-9]*//'"
kcap ch06-fifo-on 'per byte out' \
	"printf 'fifo on\nbytes 6400\nexit\n' | ./build/ch06 --stats -q 2>&1 >/dev/null | grep -E '^exit stat|out  0x3f[89]|in   0x3fa|^serial'"
kcap ch06-fifo-off 'per byte out' \
	"printf 'fifo off\nbytes 6400\nexit\n' | ./build/ch06 --stats -q 2>&1 >/dev/null | grep -E '^exit stat|out  0x3f[89]|in   0x3fa|^serial'"

# ---- Chapter 7: paravirtualisation ------------------------------------------

kcap ch07-demo 'exits to the VMM' \
	"./build/ch07 -q | grep -E '^\(|lines, '"
cap ch07-call 'outl %0, %1' \
	"sed -n '/^int64_t hc_call/,/^}/p' guest/drivers/hypercall.c | grep -Ev '^\s*(/\*|\*( |/|\$))'"
cap ch07-write 'HC_EMSGSIZE' \
	"sed -n '/^static int64_t console_write/,/^}/p' kvmlab/para/hypercall.c | sed -n '/a.len > HC_CONSOLE_MAX/,/HC_EFAULT,/p'"
cap ch07-producer 'doorbell(o->prod)' \
	"sed -n '/memcpy(data + at, buf, first)/,/doorbell(o->prod)/p' guest/drivers/pvring.c | grep -Ev '^\s*(/\*|\*( |/|\$)|\.\.\.)'"
cap ch07-ioeventfd 'KVM_IOEVENTFD, &req' \
	"grep -E 'kvm_ioeventfd req = \{\$|\.addr = port|= eventfd\(0|req\.fd =|ioctl\(vm->fd, KVM_IOEVENTFD|iothread_add' kvmlab/para/ioeventfd.c"
cap ch07-drain 'fill > c->size' \
	"sed -n '/^static int64_t drain/,/^}/p' kvmlab/para/ringconsole.c | $unstub | grep -E 'prod = __atomic|fill = prod|fill > c->size|break_ring\(c, r|c->cons = prod|store_n\(&r->cons'"
kcap ch07-compare 'ring + ioeventfd' \
	"./build/ch07 --compare -q 2>&1 >/dev/null"
kcap ch07-stats 'matched in the kernel' \
	"./build/ch07 --compare --stats -q 2>&1 >/dev/null | grep -E '^exit stat|0x3f8  |0x3fd|0x50[05]|^pio|^ring|^ioeventfd|^I/O'"
kcap ch07-trace '"port":1285' \
	"./build/ch07 --compare -q --trace t.json >/dev/null 2>&1; grep -c '\"port\":1296,' t.json; tail -n 4 t.json | sed 's/\"reason\":\"IO\",//; s/\"count\":1,//; s/,\"rip\":[0-9]*//'"
kcap ch07-hostile 'badring64: done' \
	"./build/ch07 --guest build/guest/tests/badring64.elf 2>&1 | grep -v '^kvmlab: loaded' | sed 's/^kvmlab: warning: //; s/ (0x200000 bytes)//'"

# ---- Chapter 8: virtio-net on a TAP -----------------------------------------

# One session in a network namespace of its own, as the lesson's "Run it"
# types it and tests/guest/ch08.sh does it: tap0 at 10.0.2.1/24, build/ch08
# on it in the background, a ping, a UDP burst to the echo port, "halt" to
# port 9, the pcap read back; then the guest pings the host.  The namespace
# is anonymous (`unshare -n` as root, -Urn otherwise): it and tap0 vanish
# with its last process.  The session keeps each command's output in
# RUN/ch08/, and `shown` puts it in the deck under the command as the
# session ran it, its timeout left off.  Where no namespace or TAP can be
# made, the captures say so.
cat >"$RUN/ch08-session.sh" <<'EOF'
ip link set lo up
# No IPv6 on tap0: its router solicitations would crowd the pcap.
echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6 2>/dev/null
ip tuntap add tap0 mode tap && ip addr add 10.0.2.1/24 dev tap0 &&
	ip link set tap0 up || exit 1
timeout 150 ./build/ch08 --tap tap0 --pcap ch08.pcap --stats \
	</dev/null >ch08/vmm.out 2>ch08/vmm.err &
vmm=$!
i=0
until grep -q 'link up' ch08/vmm.out; do
	i=$((i + 1))
	[ "$i" -lt 500 ] && kill -0 "$vmm" 2>/dev/null || break
	sleep 0.2
done
timeout 30 ping -c 3 10.0.2.15 >ch08/ping.out 2>&1
timeout 60 ./build/tests/udpecho -n 200 -w 8 -s 100 10.0.2.15 7 \
	>ch08/udp.out 2>&1
printf halt >/dev/udp/10.0.2.15/9
wait "$vmm"
echo "exit status $?" >ch08/vmm.status
timeout 20 tcpdump -nr ch08.pcap 2>&1 | head -n 6 >ch08/tcpdump.out
timeout 120 ./build/ch08 --tap tap0 --cmdline \
	'ip=10.0.2.15/24 gw=10.0.2.1 ping=10.0.2.1 count=4 once' -q \
	</dev/null >ch08/gping.out 2>&1
echo "exit status $?" >>ch08/gping.out
EOF

# shown NAME EXPECT COMMAND [FILE]: kcap, but where no namespace was made
# it says why.  With FILE, COMMAND ran in the session and FILE (in RUN)
# kept what it printed.
shown() {
	if [ -n "$no_kvm$no_net" ]; then
		{
			printf '$ %s\n\n' "$3"
			printf 'output not captured here: %s\n' "$no_kvm$no_net" |
				fold -s -w 72
		} >"$OUT/$1.txt"
	elif [ $# -lt 4 ]; then
		cap "$@"
	else
		cap "$1" "$2" "cat $4"
		{
			printf '$ %s\n' "$3"
			tail -n +2 "$OUT/$1.txt"
		} >"$OUT/$1.tmp"
		mv "$OUT/$1.tmp" "$OUT/$1.txt"
	fi
}

no_net=
if [ -z "$no_kvm" ]; then
	if [ "$(id -u)" = 0 ]; then ns="unshare -n"; else ns="unshare -Urn"; fi
	mkdir "$RUN/ch08"
	if [ ! -c /dev/net/tun ]; then
		no_net="no /dev/net/tun: this kernel has no TUN/TAP driver"
	elif ! command -v bash >/dev/null || ! command -v tcpdump >/dev/null; then
		no_net="the session needs bash and tcpdump"
	elif ! $ns true 2>"$RUN/ch08/unshare.err"; then
		no_net="cannot make a network namespace with '$ns': $(head -n 1 "$RUN/ch08/unshare.err")"
	elif ! (cd "$RUN" && timeout 400 $ns bash ch08-session.sh); then
		no_net="cannot make tap0 in a network namespace"
	fi
fi

# build/ch08's console (the guest) and its messages (--stats), kept apart.
shown ch08-boot 'link up' \
	"head -n 2 ch08/vmm.err; head -n 3 ch08/vmm.out"
shown ch08-ping ' 0% packet loss' \
	"ping -c 3 10.0.2.15" ch08/ping.out
shown ch08-pcap 'is-at 52:54:00:12:34:56' \
	"tcpdump -nr ch08.pcap | head -n 6" ch08/tcpdump.out
shown ch08-udp ' 0 lost' \
	"./build/tests/udpecho -n 200 -w 8 -s 100 10.0.2.15 7" ch08/udp.out
shown ch08-halt 'udp 200 datagrams echoed' \
	"tail -n 2 ch08/vmm.out"
shown ch08-stats 'virtio-net: kicks' \
	"grep -E '^exit stat|MMIO (rd|wr) 0xd00000[56]|^virtio-net: (rx [0-9]|kicks)|^line 5|^ioeventfd|stopped' ch08/vmm.err"
shown ch08-gping '4 sent, 4 received' \
	"./build/ch08 --tap tap0 --cmdline 'ip=10.0.2.15/24 gw=10.0.2.1 ping=10.0.2.1 count=4 once' -q; echo \"exit status \$?\"" \
	ch08/gping.out
# What `make bench` prints about chapter 8 (a namespace of its own, four
# configurations, two runs each); --exits 1000 shortens the sections
# before it, whose figures this deck does not show.
shown ch08-bench 'EVENT_IDX, I/O thread' \
	"./build/bench --exits 1000 build/guest/tests/bench_out16.bin build/ch01 build/guest/tests/bench_exit64.elf build/ch04 build/ch06 build/ch07 build/ch08 build/tests/udpecho | sed -n '/virtio-net/,\$p'"

# ---- Chapter 9: bridges, NAT and VLANs ----------------------------------------

# One session in namespaces of its own (tests/net/netns.sh: network, mount,
# pid, a private /run), as tests/guest/ch09.sh runs it: nat up with one
# guest, tcpdump on the bridge and in the outside namespace while the guest
# takes its lease and pings its gateway and 203.0.113.2; status; the
# MASQUERADE rule deleted and the guest again; nat down; the four vlan
# guests.  Each output is kept in RUN/ch09/; `shown` puts it under the
# command as the student types it.  Everything dies with the namespaces.
cat >"$RUN/ch09-session.sh" <<'EOF'
export KVMLAB_NET_GUESTS=1
echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6 2>/dev/null
echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6 2>/dev/null
# listen NAME CMD...: tcpdump in the background, once it listens.
listen() {
	f=ch09/$1.cap
	shift
	"$@" >"$f" 2>"$f.err" &
	i=0
	until grep -q listening "$f.err"; do
		i=$((i + 1))
		[ "$i" -lt 150 ] || break
		sleep 0.2
	done
}
guest() { # OUT CMDLINE
	timeout 150 ./build/ch09 --tap kvm-nat-0 --mac 52:54:00:09:03:00 -q \
		--cmdline "$2" </dev/null >"ch09/$1" 2>&1
	echo "exit status $?" >>"ch09/$1"
}
stop() {
	kill -INT $(jobs -p) 2>/dev/null
	wait
}
./build/kvmlab-net up nat >ch09/up.out 2>&1 || exit 1
grep -E 'type bridge|tuntap|master|ip_forward|MASQUERADE|^. dnsmasq|is up' ch09/up.out >ch09/up.sel
listen bridge tcpdump -tlni kvm-nat icmp
listen outside ip netns exec kvmlab-nat-out tcpdump -tlni eth0 icmp
guest guest.out "dhcp ping=gw,203.0.113.2 count=3 once"
stop
{
	tail -n 1 ch09/guest.out
	grep -E '^(dhcp|ping .* sent,)' ch09/guest.out
} >ch09/guest.sel
./build/kvmlab-net status nat >ch09/status.out 2>&1
{
	echo "-- on kvm-nat (the guests' side):"
	grep '203\.0\.113\.2' ch09/bridge.cap | grep 'seq 1,'
	echo "-- in kvmlab-nat-out (the outside):"
	grep 'seq 1,' ch09/outside.cap
} >ch09/nat-capture.out
rule=$(sed -n 's/^\$ iptables -w -t nat -A POSTROUTING \(.*MASQUERADE.*\)/\1/p' ch09/up.out)
{
	echo "\$ iptables -t nat -D POSTROUTING $rule"
	iptables -w -t nat -D POSTROUTING $rule 2>&1
} >ch09/no-masq.out
listen outside2 ip netns exec kvmlab-nat-out tcpdump -tlni eth0 icmp
guest guest2.out "dhcp ping=203.0.113.2 count=2 once"
stop
{
	echo "-- in kvmlab-nat-out:"
	grep -v "^$" ch09/outside2.cap
	echo "-- the guest:"
	grep -E '^(ping .* sent,|exit)' ch09/guest2.out
} >>ch09/no-masq.out
# up again (idempotent: only the rule is missing), so that down shows all.
./build/kvmlab-net up nat >/dev/null 2>&1
./build/kvmlab-net down nat >ch09/down.out 2>&1
# VLAN: A0 and A1 (vid 10), B (vid 20), C (its own bridge).
if ./build/kvmlab-net up vlan >ch09/vlan-up.out 2>&1; then
	v() { # I CMDLINE: guest I in the background, its pid in vmm
		timeout 150 ./build/ch09 --tap "kvm-vlan-$1" \
			--mac "52:54:00:09:04:0$1" --cmdline "$2" \
			</dev/null >"ch09/vlan$1.out" 2>&1 &
		vmm=$!
	}
	v 1 "ip=10.0.9.12/24"
	v 3 "ip=10.0.9.31/24"
	c=$vmm
	i=0
	until grep -q 'link up' ch09/vlan1.out && grep -q 'link up' ch09/vlan3.out; do
		i=$((i + 1))
		[ "$i" -lt 500 ] || break
		sleep 0.2
	done
	v 0 "ip=10.0.9.11/24 ping=10.0.9.12,10.0.9.100,10.0.9.21,10.0.9.31 count=2 once"
	a0=$vmm
	v 2 "ip=10.0.9.21/24 ping=10.0.9.100,10.0.9.11 count=2 once"
	wait "$a0" "$vmm"
	ip netns exec kvmlab-vlan-peer ./build/tests/udpecho -m halt 10.0.9.12 9
	kill "$c" 2>/dev/null
	wait
	{
		echo "-- A0 (10.0.9.11, vid 10):"
		grep '^ping .* sent,' ch09/vlan0.out
		echo "-- B (10.0.9.21, vid 20):"
		grep '^ping .* sent,' ch09/vlan2.out
	} >ch09/vlan.out
	./build/kvmlab-net down vlan >/dev/null 2>&1
else
	tail -n 1 ch09/vlan-up.out >ch09/vlan.out
fi
EOF

no_net=
if [ -z "$no_kvm" ]; then
	mkdir "$RUN/ch09"
	if [ ! -c /dev/net/tun ]; then
		no_net="no /dev/net/tun: this kernel has no TUN/TAP driver"
	elif ! command -v bash >/dev/null || ! command -v tcpdump >/dev/null; then
		no_net="the session needs bash and tcpdump"
	elif ! (cd "$RUN" && timeout 500 bash tests/net/netns.sh \
		bash ch09-session.sh >ch09/netns.out 2>&1); then
		no_net="the session in tests/net/netns.sh failed: $(tail -n 1 "$RUN/ch09/netns.out")"
	fi
fi

shown ch09-up 'nat is up' \
	"./build/kvmlab-net up nat | grep -E 'type bridge|tuntap|master|ip_forward|MASQUERADE|^. dnsmasq|is up'" \
	ch09/up.sel
shown ch09-guest '203.0.113.2: 3 sent, 3 received' \
	"./build/ch09 --tap kvm-nat-0 --mac 52:54:00:09:03:00 -q --cmdline 'dhcp ping=gw,203.0.113.2 count=3 once' >console.txt; echo \"exit status \$?\"; grep -E '^(dhcp|ping .* sent,)' console.txt" \
	ch09/guest.sel
shown ch09-status 'dst=203.0.113.1' \
	"./build/kvmlab-net status nat" ch09/status.out
shown ch09-nat-capture 'IP 203.0.113.1 > 203.0.113.2' \
	"tcpdump -tni kvm-nat icmp & ip netns exec kvmlab-nat-out tcpdump -tni eth0 icmp &  # one ping: seq 1" \
	ch09/nat-capture.out
shown ch09-no-masq '2 sent, 0 received' \
	"./build/ch09 ... --cmdline 'dhcp ping=203.0.113.2 count=2 once', without the rule" \
	ch09/no-masq.out
shown ch09-vlan '10.0.9.100: 2 sent, 2 received' \
	"./build/ch09 --tap kvm-vlan-I ... (4 guests: A0, A1 vid 10; B vid 20; C on kvm-vlan-b)" \
	ch09/vlan.out
shown ch09-down 'nat is down' \
	"./build/kvmlab-net down nat" ch09/down.out
