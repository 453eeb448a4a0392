// SPDX-License-Identifier: GPL-2.0
/*
 * memlab: telling an armed fault from any other, and raising SIGSEGV.
 *
 * Every user page fault, and every fault get_user_pages() takes, passes
 * through handle_mm_fault() (exported). A kprobe on its entry looks the
 * address up among the armed faults of the VMA's mm. For a denied access
 * it counts a hit, queues SIGSEGV (SEGV_ACCERR, the faulting address) to
 * the faulting thread when the access came from user mode, and makes
 * handle_mm_fault() return VM_FAULT_SIGSEGV without running its body. The
 * arch fault code then raises its own SIGSEGV (SEGV_MAPERR), which is
 * dropped because one is pending already; a fault from the kernel side
 * (copy_from_user() in write(2), get_user_pages()) fails with EFAULT, as
 * under mprotect(). An allowed fault near an armed page (in the same PMD
 * of the same VMA, the most fault-around maps) may rebuild its PTE from
 * vm_page_prot: the faults are armed again before the task returns.
 *
 * An exec-denied page is NX, and the CPU's fault on it never reaches
 * handle_mm_fault(): the arch code raises SIGSEGV (SEGV_ACCERR) itself.
 * Those hits are seen on the signal_generate tracepoint.
 *
 * Both run in the faulting task, where handle_mm_fault()'s caller holds
 * mmap_lock or the VMA's lock; they take no lock of their own and walk
 * the fault lists under RCU. The kprobe must be ftrace-based, as it is on
 * Debian's kernels: an int3 kprobe runs in a context where taking the
 * signal lock is not allowed, and injection is then not offered.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kprobes.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/ptrace.h>
#include <linux/rculist.h>
#include <linux/sched/signal.h>
#include <linux/sched/task_stack.h>
#include <linux/tracepoint.h>
#include <asm/insn.h>
#include <asm/ptrace.h>

#include "memlab.h"

#define CREATE_TRACE_POINTS
#include "memlab_trace.h"

static bool memlab_kprobe_registered;
static struct tracepoint *memlab_signal_tp;
/* Set while memlab itself sends a SIGSEGV, so that it is not counted twice. */
static DEFINE_PER_CPU(bool, memlab_sending);

static u32 memlab_access_of(unsigned int fault_flags)
{
	if (fault_flags & FAULT_FLAG_WRITE)
		return MEMLAB_DENY_WRITE;
	if (fault_flags & FAULT_FLAG_INSTRUCTION)
		return MEMLAB_DENY_EXEC;
	return MEMLAB_DENY_READ;
}

static const char *memlab_access_name(u32 access)
{
	switch (access) {
	case MEMLAB_DENY_WRITE:
		return "write";
	case MEMLAB_DENY_EXEC:
		return "exec";
	default:
		return "read";
	}
}

/**
 * memlab_fault_hit() - an armed fault denied an access
 * @id: the fault
 * @tgid: the process whose memory it is
 * @addr: the faulting address
 * @access: MEMLAB_DENY_READ, _WRITE or _EXEC: what was tried
 * @signalled: SIGSEGV goes to the faulting thread; false when the access
 *	came from the kernel side and fails with EFAULT instead
 * @rs: the fault's own log rate limit, so that one busy fault does not
 *	silence the others
 *
 * Every hit is the memlab:memlab_fault_hit tracepoint (memlab_trace.h), which
 * memlab-trace counts; the kernel log gets a rate-limited line.
 */
void memlab_fault_hit(u64 id, pid_t tgid, unsigned long addr, u32 access,
		      bool signalled, struct ratelimit_state *rs)
{
	trace_memlab_fault_hit(id, tgid, addr, access, signalled);
	if (__ratelimit(rs))
		pr_info("fault %llu hit: pid %d %s at 0x%lx: %s\n", id, tgid,
			memlab_access_name(access), addr,
			signalled ? "SIGSEGV" : "EFAULT to the kernel");
}

/*
 * The armed fault of @mm that covers @addr, or NULL; *@nearby is set when
 * another one meets [@near_start, @near_end). Under RCU.
 */
static struct memlab_fault *memlab_armed_fault_at(struct mm_struct *mm,
						  unsigned long addr,
						  unsigned long near_start,
						  unsigned long near_end,
						  bool *nearby)
{
	struct memlab_armed_mm *amm = memlab_find_armed_mm(mm);
	struct memlab_fault *f;

	if (!amm)
		return NULL;
	list_for_each_entry_rcu(f, &amm->faults, mm_node) {
		if (atomic_read(&f->state) != MEMLAB_FAULT_ARMED)
			continue;
		if (addr >= f->start && addr < f->end)
			return f;
		if (f->start < near_end && near_start < f->end)
			*nearby = true;
	}
	return NULL;
}

/* What a denied handle_mm_fault() returns, in place of its body. */
static noinline notrace vm_fault_t memlab_fault_denied(void)
{
	return VM_FAULT_SIGSEGV;
}

static void memlab_send_sigsegv(unsigned long addr)
{
	struct kernel_siginfo info;

	clear_siginfo(&info);
	info.si_signo = SIGSEGV;
	info.si_code = SEGV_ACCERR;
	info.si_addr = (void __user *)addr;
	this_cpu_write(memlab_sending, true);
	send_sig_info(SIGSEGV, &info, current);
	this_cpu_write(memlab_sending, false);
}

/* handle_mm_fault(vma, address, flags, regs), on entry. */
static int memlab_handle_mm_fault_pre(struct kprobe *kp, struct pt_regs *regs)
{
	struct vm_area_struct *vma =
		(struct vm_area_struct *)regs_get_kernel_argument(regs, 0);
	unsigned long addr = regs_get_kernel_argument(regs, 1);
	unsigned int flags = regs_get_kernel_argument(regs, 2);
	u32 access = memlab_access_of(flags);
	struct memlab_fault *f;
	bool nearby = false;
	bool user = flags & FAULT_FLAG_USER;

	if (list_empty(&memlab_armed_mms))
		return 0;

	rcu_read_lock();
	/* Fault-around maps at most the PMD of @addr, within the VMA. */
	f = memlab_armed_fault_at(vma->vm_mm, addr,
				  max(addr & PMD_MASK, vma->vm_start),
				  min((addr & PMD_MASK) + PMD_SIZE, vma->vm_end),
				  &nearby);
	if (!f || !(f->enforced & access)) {
		/* Allowed: what it maps may need arming again. */
		if (f || nearby)
			memlab_request_service(f ? f->amm :
					       memlab_find_armed_mm(vma->vm_mm));
		rcu_read_unlock();
		return 0;
	}
	memlab_fault_count_hit(f);
	memlab_fault_hit(f->id, pid_nr(f->pid), addr, access, user,
			 &f->log_limit);
	rcu_read_unlock();

	if (user)
		memlab_send_sigsegv(addr);
	/* It returns VM_FAULT_SIGSEGV to handle_mm_fault()'s caller. */
	instruction_pointer_set(regs, (unsigned long)memlab_fault_denied);
	return 1;
}

static struct kprobe memlab_fault_kprobe = {
	.symbol_name	= "handle_mm_fault",
	.pre_handler	= memlab_handle_mm_fault_pre,
};

/*
 * signal_generate: the arch fault code raises SIGSEGV (SEGV_ACCERR) on an
 * instruction fetch from an NX page by itself. Count it when the page is
 * exec-denied by memlab and the fetch was the thread's own: the address is
 * within one instruction of where it was.
 */
static void memlab_signal_generate(void *data, int sig,
				   struct kernel_siginfo *info,
				   struct task_struct *task, int group,
				   int result)
{
	unsigned long addr, ip;
	struct memlab_fault *f;
	bool nearby = false;

	if (sig != SIGSEGV || task != current || !current->mm ||
	    info == SEND_SIG_NOINFO || info == SEND_SIG_PRIV ||
	    info->si_code != SEGV_ACCERR || this_cpu_read(memlab_sending) ||
	    list_empty(&memlab_armed_mms))
		return;
	addr = (unsigned long)info->si_addr;
	ip = instruction_pointer(task_pt_regs(current));
	if (addr < ip || addr - ip >= MAX_INSN_SIZE)
		return;

	rcu_read_lock();
	f = memlab_armed_fault_at(current->mm, addr, 0, 0, &nearby);
	if (f && (f->enforced & MEMLAB_DENY_EXEC)) {
		memlab_fault_count_hit(f);
		memlab_fault_hit(f->id, pid_nr(f->pid), addr, MEMLAB_DENY_EXEC,
				 true, &f->log_limit);
	}
	rcu_read_unlock();
}

static void memlab_find_signal_tp(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "signal_generate"))
		*(struct tracepoint **)priv = tp;
}

/**
 * memlab_intercept_ready() - can faults be armed?
 *
 * Return: true when both interceptors are in place.
 */
bool memlab_intercept_ready(void)
{
	return memlab_kprobe_registered && memlab_signal_tp;
}

/**
 * memlab_intercept_init() - put the interceptors in place
 *
 * Injection is a feature: when a kernel cannot give memlab what it needs,
 * the rest of the module still loads, and MEMLAB_IOC_INJECT says
 * EOPNOTSUPP.
 *
 * Return: 0.
 */
int memlab_intercept_init(void)
{
	struct tracepoint *tp = NULL;
	int ret;

	ret = register_kprobe(&memlab_fault_kprobe);
	if (ret) {
		pr_warn("inject unavailable: cannot probe handle_mm_fault (%d)\n", ret);
		return 0;
	}
	if (!(memlab_fault_kprobe.flags & KPROBE_FLAG_FTRACE)) {
		pr_warn("inject unavailable: kprobes are not ftrace-based here\n");
		unregister_kprobe(&memlab_fault_kprobe);
		return 0;
	}
	memlab_kprobe_registered = true;

	for_each_kernel_tracepoint(memlab_find_signal_tp, &tp);
	if (!tp || tracepoint_probe_register(tp, memlab_signal_generate, NULL)) {
		pr_warn("inject unavailable: no signal_generate tracepoint\n");
		unregister_kprobe(&memlab_fault_kprobe);
		memlab_kprobe_registered = false;
		return 0;
	}
	memlab_signal_tp = tp;
	return 0;
}

/* No interceptor runs after this returns. */
void memlab_intercept_exit(void)
{
	if (memlab_signal_tp) {
		tracepoint_probe_unregister(memlab_signal_tp,
					    memlab_signal_generate, NULL);
		tracepoint_synchronize_unregister();
		memlab_signal_tp = NULL;
	}
	if (memlab_kprobe_registered) {
		unregister_kprobe(&memlab_fault_kprobe);
		memlab_kprobe_registered = false;
	}
}
