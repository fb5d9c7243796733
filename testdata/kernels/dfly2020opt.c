/*
 * dfly2020opt.c - kdump sample kernel: the dfly2020 kernel built "with
 * different kernel options" (config X86_64_DEBUG).
 *
 * Same source, same symbols, same process-list shape (procglob[256],
 * allproc_hsize, p_lwp_tree) as dfly2020.c, but with KDUMP_OPT_DEBUG the
 * structures grow the way debug options make them grow (see dfly2020.h):
 *
 *   struct proc    +16 bytes after p_fd     (p_debug_file/line/holds)
 *   struct lwp     +16 bytes after lwp_procq (lwp_debug_file/line/holds),
 *                  so even the RB-tree node u.lwp_rbnode moves
 *   struct thread  +16 bytes after td_sleepq (td_crit_debug_*), plus the
 *                  real DEBUG_LOCKS arrays appended at the end
 *
 * Everything else (ucred, pgrp, session, tty, cdev, vmspace, sigacts,
 * procglob, pcb, msgbuf, globaldata.gd_cpuid) keeps the 2020 layout.  An
 * analyzer that hard-codes the spec's offsets reads garbage here; one that
 * takes them from DWARF works.  The assertions below pin the moved offsets.
 */
#define KDUMP_OPT_DEBUG 1
#include "dfly2020.c"

#define OPT_OFF(s, f, n) \
	_Static_assert(offsetof(struct s, f) == (n), #s "." #f " != " #n)
#define OPT_SIZE(s, n) \
	_Static_assert(sizeof(struct s) == (n), "sizeof(struct " #s ") != " #n)

/* struct proc: everything after p_fd moves by 16 */
OPT_SIZE(proc, 1328);
OPT_OFF(proc, p_list, 0);
OPT_OFF(proc, p_ucred, 16);
OPT_OFF(proc, p_fd, 24);
OPT_OFF(proc, p_sigacts, 88);
OPT_OFF(proc, p_flags, 96);
OPT_OFF(proc, p_stat, 100);
OPT_OFF(proc, p_pid, 108);
OPT_OFF(proc, p_pptr, 136);
OPT_OFF(proc, p_vmspace, 384);
OPT_OFF(proc, p_comm, 936);
OPT_OFF(proc, p_pgrp, 960);
OPT_OFF(proc, p_nthreads, 1064);
OPT_OFF(proc, p_lwp_tree, 1080);

/* struct lwp: everything after lwp_procq moves by 16 */
OPT_SIZE(lwp, 624);
OPT_OFF(lwp, u.lwp_rbnode.rbe_left, 32);
OPT_OFF(lwp, u.lwp_rbnode.rbe_right, 40);
OPT_OFF(lwp, u.lwp_rbnode.rbe_parent, 48);
OPT_OFF(lwp, lwp_proc, 64);
OPT_OFF(lwp, lwp_tid, 88);
OPT_OFF(lwp, lwp_stat, 100);
OPT_OFF(lwp, lwp_thread, 440);

/* struct thread: everything after td_sleepq moves by 16 */
OPT_OFF(thread, td_lwp, 176);
OPT_OFF(thread, td_proc, 184);
OPT_OFF(thread, td_gd, 200);
OPT_OFF(thread, td_wmesg, 208);
OPT_OFF(thread, td_wchan, 216);
OPT_OFF(thread, td_comm, 424);

/* unchanged */
OPT_SIZE(ucred, 192);
OPT_SIZE(procglob, 64);
OPT_OFF(procglob, allproc, 32);
OPT_OFF(pcb, pcb_cr3, 64);
OPT_SIZE(msgbuf, 32);
OPT_OFF(globaldata, gd_cpuid, 72);
