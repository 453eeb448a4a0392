/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memlab's tracepoint: memlab:memlab_fault_hit, an armed fault denied an
 * access. For perf, ftrace and BPF (memlab-trace attaches to it as a raw
 * tracepoint): a kprobe could not see it, because hits are found inside
 * memlab's own kprobe, and kprobes do not nest.
 *
 *   echo 1 >/sys/kernel/tracing/events/memlab/memlab_fault_hit/enable
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM memlab

#if !defined(_MEMLAB_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _MEMLAB_TRACE_H

#include <linux/tracepoint.h>

/*
 * @id: the fault; @tgid: the process whose memory it is; @addr: the
 * faulting address; @access: MEMLAB_DENY_READ, _WRITE or _EXEC, what was
 * tried; @signalled: SIGSEGV to the faulting thread, false when the access
 * came from the kernel side and fails with EFAULT. The arguments are ABI:
 * memlab-trace's raw tracepoint program reads them in this order.
 */
TRACE_EVENT(memlab_fault_hit,
	    TP_PROTO(u64 id, pid_t tgid, unsigned long addr, u32 access,
		     bool signalled),
	    TP_ARGS(id, tgid, addr, access, signalled),
	    TP_STRUCT__entry(__field(u64, id)
			     __field(pid_t, tgid)
			     __field(unsigned long, addr)
			     __field(u32, access)
			     __field(bool, signalled)),
	    TP_fast_assign(__entry->id = id;
			   __entry->tgid = tgid;
			   __entry->addr = addr;
			   __entry->access = access;
			   __entry->signalled = signalled;),
	    TP_printk("fault=%llu pid=%d addr=0x%lx access=%s %s",
		      __entry->id, __entry->tgid, __entry->addr,
		      __print_symbolic(__entry->access, { 1, "read" },
				       { 2, "write" }, { 4, "exec" }),
		      __entry->signalled ? "SIGSEGV" : "EFAULT")
);

#endif /* _MEMLAB_TRACE_H */

/* Out of tree: this header is found in the module's own directory. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE memlab_trace
#include <trace/define_trace.h>
