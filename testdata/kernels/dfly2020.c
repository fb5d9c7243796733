/*
 * dfly2020.c - kdump sample kernel: DragonFly BSD x86_64, 2016-12 .. 2020-07
 * (master @f875a8eec7, 5.9-DEVELOPMENT; same layouts as 5.8.x).
 *
 * Not a kernel: a small ELF executable, linked at the real kernel
 * addresses (kernel.ld), whose symbol table and DWARF have the shape of a
 * DragonFly kernel of this era.  kdump reads its .symtab (nlist) and its
 * DWARF (struct layouts); the sample-core generator lays out kernel memory
 * according to them.
 *
 * Process list: static struct procglob procglob[256] (a LOCAL symbol, as in
 * sys/kern/kern_proc.c), bucket = pid & 255, heads at procglob + 64*n + 32;
 * int allproc_hsize = 256.  LWPs: red-black tree p_lwp_tree.  Message
 * buffer: 2015-03+ format (MSG_MAGIC 0x063064).
 *
 * Every offset and size that spec/formats.md §10 and §14.1 give for 2020 is
 * checked by the _Static_assert block at the end of this file; the build
 * fails if one of them moves.
 *
 * dfly2020opt.c includes this file with KDUMP_OPT_DEBUG defined to build
 * the same kernel "with different options" (see dfly2020.h).
 */
#include "dfly2020.h"

#ifdef KDUMP_OPT_DEBUG
#define KDUMP_KERNCONF	"X86_64_DEBUG"
#define KDUMP_BUILDNUM	"#3"
#else
#define KDUMP_KERNCONF	"X86_64_GENERIC"
#define KDUMP_BUILDNUM	"#0"
#endif

/* ---------------------------------------------------------------------
 * sys/conf/newvers.sh -> vers.c
 */
char ostype[] = "DragonFly";
char osrelease[] = "5.9-DEVELOPMENT";
char version[] =
    "DragonFly v5.9.0.733.gf875a8-DEVELOPMENT " KDUMP_BUILDNUM
    ": Fri Jul 24 18:41:07 PDT 2020\n"
    "    root@kdump-build.dragonflybsd.test:/usr/obj/usr/src/sys/"
    KDUMP_KERNCONF "\n";
int osreldate = 500900;

/* ---------------------------------------------------------------------
 * sys/kern/kern_proc.c, kern_fork.c
 */
static struct procglob procglob[ALLPROC_HSIZE];
int allproc_hsize = ALLPROC_HSIZE;	/* Used by libkvm */
int nprocs = 1;				/* process 0 */
int maxproc = 8192;
struct proc *initproc;

/* ---------------------------------------------------------------------
 * sys/kern/init_main.c: process 0
 */
static struct session session0;
static struct pgrp pgrp0;
static struct sigacts sigacts0;
struct proc proc0;
struct lwp lwp0;
struct thread thread0;
struct vmspace vmspace0;
struct ucred ucred0;
struct prison prison0;
struct globaldata globaldata0 __cachealign;
int ncpus = 1;

/* ---------------------------------------------------------------------
 * sys/kern/kern_synch.c, kern_clock.c: wait channels and clocks
 */
int lbolt;			/* once a second sleep address */
int lbolt_syncer;		/* approx 1 hz but may be sped up */
int hz = 100;
int ticks;
static int pause_wchan[MAXCPU];

/* ---------------------------------------------------------------------
 * sys/platform/pc64/x86_64/pmap.c, machdep.c
 */
uint64_t KPML4phys;		/* phys addr of kernel level 4 */
struct msgbuf *msgbufp;		/* set by msgbufinit() */
struct pcb stoppcbs[MAXCPU];

/* ---------------------------------------------------------------------
 * sys/kern/kern_shutdown.c
 */
const char *panicstr;		/* NULL if no panic */
struct thread *dumpthread;	/* thread that took the dump */
struct pcb dumppcb;		/* savectx() of the dumping thread */
int dumping;			/* system is dumping */
static char panic_buf[256];	/* the formatted panic message */

/* ---------------------------------------------------------------------
 * Text: a few real-looking functions, so that symbol+offset resolution
 * of return addresses and wait channels can be tested.
 */
static struct thread *
curthread_get(void)
{
	return globaldata0.gd_curthread;
}

void
savectx(struct pcb *pcb)
{
	pcb->pcb_cr3 = (register_t)KPML4phys;
	pcb->pcb_rip = (register_t)(uintptr_t)&savectx;
}

void
dumpsys(void)
{
	dumping++;
	dumpthread = curthread_get();
	savectx(&dumppcb);
}

void
panic(const char *fmt, ...)
{
	int i;

	if (panicstr == NULL) {
		panicstr = fmt;
		for (i = 0; i < (int)sizeof(panic_buf) - 1 && fmt[i]; ++i)
			panic_buf[i] = fmt[i];
		panic_buf[i] = 0;
		panicstr = panic_buf;
	}
	dumpsys();
	for (;;)
		;
}

void
lwkt_switch(void)
{
	struct thread *td = curthread_get();

	if (td != NULL && td->td_critcount < 0)
		panic("lwkt_switch: critcount went negative");
}

int
tsleep(const volatile void *ident, int flags, const char *wmesg, int timo)
{
	struct thread *td = curthread_get();

	if (td == NULL)
		return (0);
	td->td_wchan = ident;
	td->td_wmesg = wmesg;
	td->td_flags |= TDF_TSLEEPQ;
	(void)flags;
	(void)timo;
	lwkt_switch();
	td->td_wchan = NULL;
	td->td_wmesg = NULL;
	return (0);
}

void
wakeup(const volatile void *ident)
{
	(void)ident;
}

int
kern_nanosleep(struct timeval *rqt, struct timeval *rmt)
{
	(void)rqt;
	(void)rmt;
	return tsleep(&pause_wchan[0], 0, "nanslp", 1);
}

void
cpu_idle(void)
{
	for (;;) {
		__asm__ __volatile__("hlt");
	}
}

/*
 * pfind() is non-static and walks procglob[], which keeps the static
 * array (and its LOCAL symbol) in the object, exactly like kern_proc.c.
 */
struct proc *
pfind(pid_t pid)
{
	struct proc *p;

	for (p = procglob[ALLPROC_HASH(pid)].allproc.lh_first; p != NULL;
	    p = p->p_list.le_next) {
		if (p->p_pid == pid)
			return (p);
	}
	return (NULL);
}

static int
kern_wait_chan(void)
{
	return tsleep(&proc0, 0, "wait", 0);
}

int
sys_wait4(void)
{
	return kern_wait_chan();
}

static void
proc0_init(void)
{
	proc0.p_pid = 0;
	proc0.p_stat = SACTIVE;
	proc0.p_flags = P_SYSTEM;
	proc0.p_ucred = &ucred0;
	proc0.p_sigacts = &sigacts0;
	proc0.p_pgrp = &pgrp0;
	proc0.p_vmspace = &vmspace0;
	proc0.p_nthreads = 1;
	proc0.p_lwp_tree.rbh_root = &lwp0;
	pgrp0.pg_session = &session0;
	session0.s_leader = &proc0;
	lwp0.lwp_proc = &proc0;
	lwp0.lwp_thread = &thread0;
	lwp0.lwp_stat = LSSLEEP;
	thread0.td_lwp = &lwp0;
	thread0.td_proc = &proc0;
	thread0.td_gd = &globaldata0;
	globaldata0.gd_curthread = &thread0;
	ucred0.cr_prison = &prison0;
	procglob[0].allproc.lh_first = &proc0;
}

void
mi_startup(void)
{
	proc0_init();
	tsleep(&lbolt, 0, "lbolt", hz);
	tsleep(&lbolt_syncer, 0, "syncer", hz);
}

void
btext(void)
{
	mi_startup();
	cpu_idle();
}

/* ---------------------------------------------------------------------
 * Layout guard: spec/formats.md §10 and §14.1, "(computed 2020)".
 */
#ifndef KDUMP_OPT_DEBUG
#define CHECK_OFF(s, f, n) \
	_Static_assert(offsetof(struct s, f) == (n), #s "." #f " != " #n)
#define CHECK_SIZE(s, n) \
	_Static_assert(sizeof(struct s) == (n), "sizeof(struct " #s ") != " #n)

/* basic sizes (§10) */
_Static_assert(sizeof(sigset_t) == 16, "sigset_t");
CHECK_SIZE(rusage, 144);
CHECK_SIZE(timeval, 16);
CHECK_SIZE(rtprio, 4);
_Static_assert(sizeof(dev_t) == 4, "dev_t");
_Static_assert(sizeof(segsz_t) == 8, "segsz_t");
_Static_assert(sizeof(sysclock_t) == 8, "sysclock_t");
_Static_assert(sizeof(fixpt_t) == 4, "fixpt_t");
_Static_assert(sizeof(enum procstat) == 4, "enum procstat");
_Static_assert(sizeof(enum lwpstat) == 4, "enum lwpstat");
CHECK_SIZE(lwkt_token, 32);
_Static_assert(sizeof(struct lwp_rb_tree) == 24, "RB_HEAD");

/* §10.1 struct proc */
CHECK_SIZE(proc, 1312);
CHECK_OFF(proc, p_list, 0);
CHECK_OFF(proc, p_list.le_next, 0);
CHECK_OFF(proc, p_ucred, 16);
CHECK_OFF(proc, p_fd, 24);
CHECK_OFF(proc, p_sigacts, 72);
CHECK_OFF(proc, p_flags, 80);
CHECK_OFF(proc, p_stat, 84);
CHECK_OFF(proc, p_pid, 92);
CHECK_OFF(proc, p_ppid, 96);
CHECK_OFF(proc, p_pptr, 120);
CHECK_OFF(proc, p_oppid, 360);
CHECK_OFF(proc, p_vmspace, 368);
CHECK_OFF(proc, p_swtime, 376);
CHECK_OFF(proc, p_traceflag, 512);
CHECK_OFF(proc, p_siglist, 528);
CHECK_OFF(proc, p_start, 608);
CHECK_OFF(proc, p_ru, 624);
CHECK_OFF(proc, p_cru, 768);
CHECK_OFF(proc, p_comm, 920);
_Static_assert(sizeof(((struct proc *)0)->p_comm) == 17, "p_comm[17]");
CHECK_OFF(proc, p_nice, 938);
CHECK_OFF(proc, p_pgrp, 944);
CHECK_OFF(proc, p_args, 1016);
CHECK_OFF(proc, p_xstat, 1024);
CHECK_OFF(proc, p_acflag, 1040);
CHECK_OFF(proc, p_lock, 1044);
CHECK_OFF(proc, p_nthreads, 1048);
CHECK_OFF(proc, p_lwp_tree, 1064);
CHECK_OFF(proc, p_lwp_tree.rbh_root, 1064);

/* §10.2 struct lwp */
CHECK_SIZE(lwp, 608);
CHECK_OFF(lwp, lwp_procq, 0);
CHECK_OFF(lwp, u.lwp_rbnode.rbe_left, 16);
CHECK_OFF(lwp, u.lwp_rbnode.rbe_right, 24);
CHECK_OFF(lwp, u.lwp_rbnode.rbe_parent, 32);
CHECK_OFF(lwp, u.lwp_rbnode.rbe_color, 40);
CHECK_OFF(lwp, lwp_proc, 48);
CHECK_OFF(lwp, lwp_tid, 72);
CHECK_OFF(lwp, lwp_flags, 76);
CHECK_OFF(lwp, lwp_mpflags, 80);
CHECK_OFF(lwp, lwp_stat, 84);
CHECK_OFF(lwp, lwp_lock, 88);
CHECK_OFF(lwp, lwp_cpticks, 112);
CHECK_OFF(lwp, lwp_pctcpu, 120);
CHECK_OFF(lwp, lwp_slptime, 124);
CHECK_OFF(lwp, lwp_ru, 136);
CHECK_OFF(lwp, lwp_usdata.bsd4.priority, 280);
CHECK_OFF(lwp, lwp_usdata.bsd4.batch, 284);
CHECK_OFF(lwp, lwp_usdata.bsd4.estcpu, 288);
CHECK_OFF(lwp, lwp_usdata.dfly.estcpu, 288);	/* overlaps bsd4.estcpu */
CHECK_OFF(lwp, lwp_usdata.dfly.estfast, 284);	/* overlaps bsd4.batch */
CHECK_OFF(lwp, lwp_siglist, 336);
CHECK_OFF(lwp, lwp_sigmask, 368);
CHECK_OFF(lwp, lwp_rtprio, 408);
CHECK_OFF(lwp, lwp_thread, 424);

/* §10.3 struct thread */
CHECK_SIZE(thread, 1600);
CHECK_OFF(thread, td_lwp, 160);
CHECK_OFF(thread, td_proc, 168);
CHECK_OFF(thread, td_gd, 184);
CHECK_OFF(thread, td_wmesg, 192);
CHECK_OFF(thread, td_wchan, 200);
CHECK_OFF(thread, td_pri, 208);
CHECK_OFF(thread, td_flags, 216);
CHECK_OFF(thread, td_uticks, 272);
CHECK_OFF(thread, td_sticks, 280);
CHECK_OFF(thread, td_iticks, 288);
CHECK_OFF(thread, td_start, 392);
CHECK_OFF(thread, td_comm, 408);

/* §10.4 struct globaldata */
CHECK_OFF(globaldata, gd_cpuid, 72);
CHECK_SIZE(globaldata, 14848);

/* §10.5 struct pgrp */
CHECK_SIZE(pgrp, 120);
CHECK_OFF(pgrp, pg_list, 0);
CHECK_OFF(pgrp, pg_members, 16);
CHECK_OFF(pgrp, pg_session, 24);
CHECK_OFF(pgrp, pg_id, 40);
CHECK_OFF(pgrp, pg_jobc, 44);

/* §10.6 struct session */
CHECK_SIZE(session, 104);
CHECK_OFF(session, s_list, 0);
CHECK_OFF(session, s_count, 16);
CHECK_OFF(session, s_prg, 24);
CHECK_OFF(session, s_leader, 32);
CHECK_OFF(session, s_ttyvp, 40);
CHECK_OFF(session, s_ttyp, 48);
CHECK_OFF(session, s_sid, 56);
CHECK_OFF(session, s_login, 60);
_Static_assert(sizeof(((struct session *)0)->s_login) == 40, "s_login[40]");

/* §10.7 struct tty */
CHECK_SIZE(tty, 376);
CHECK_OFF(tty, t_dev, 136);
CHECK_OFF(tty, t_pgrp, 160);
CHECK_OFF(tty, t_session, 168);

/* §10.8 struct cdev */
CHECK_SIZE(cdev, 320);
CHECK_OFF(cdev, si_uminor, 48);
CHECK_OFF(cdev, si_umajor, 52);
CHECK_OFF(cdev, si_name, 88);
_Static_assert(sizeof(((struct cdev *)0)->si_name) == 64, "si_name[64]");

/* §10.9 struct ucred */
CHECK_SIZE(ucred, 192);
CHECK_OFF(ucred, cr_ref, 0);
CHECK_OFF(ucred, cr_uid, 64);
CHECK_OFF(ucred, cr_ngroups, 68);
CHECK_OFF(ucred, cr_groups, 72);
CHECK_OFF(ucred, cr_prison, 152);
CHECK_OFF(ucred, cr_ruid, 160);
CHECK_OFF(ucred, cr_svuid, 164);
CHECK_OFF(ucred, cr_rgid, 168);
CHECK_OFF(ucred, cr_svgid, 172);

/* §10.10 struct prison */
CHECK_OFF(prison, pr_id, 16);

/* §10.11 struct vmspace */
CHECK_SIZE(vmspace, 1496);
CHECK_OFF(vmspace, vm_map.size, 80);
CHECK_OFF(vmspace, vm_pmap, 288);
CHECK_OFF(vmspace, vm_pmap.pm_stats.resident_count, 408);
CHECK_OFF(vmspace, vm_swrss, 1408);
CHECK_OFF(vmspace, vm_tsize, 1416);
CHECK_OFF(vmspace, vm_dsize, 1424);
CHECK_OFF(vmspace, vm_ssize, 1432);
CHECK_SIZE(pmap, 1096);

/* §10.12 struct sigacts */
CHECK_SIZE(sigacts, 4232);
CHECK_OFF(sigacts, ps_sigignore, 4096);
CHECK_OFF(sigacts, ps_sigcatch, 4112);
CHECK_OFF(sigacts, ps_flag, 4228);

/* §10.13 struct pargs */
CHECK_OFF(pargs, ar_ref, 0);
CHECK_OFF(pargs, ar_length, 4);
CHECK_OFF(pargs, ar_args, 8);

/* §10.14 struct procglob */
CHECK_SIZE(procglob, 64);
_Static_assert(_Alignof(struct procglob) == 64, "procglob __cachealign");
CHECK_OFF(procglob, proc_token, 0);
CHECK_OFF(procglob, allproc, 32);
CHECK_OFF(procglob, allpgrp, 40);
CHECK_OFF(procglob, allsess, 48);
CHECK_OFF(procglob, pad01, 56);

/* §10.15 struct pcb */
CHECK_OFF(pcb, pcb_cr3, 64);

/* §14.1 struct msgbuf */
CHECK_SIZE(msgbuf, 32);
CHECK_OFF(msgbuf, msg_magic, 0);
CHECK_OFF(msgbuf, msg_size, 4);
CHECK_OFF(msgbuf, msg_bufx, 8);
CHECK_OFF(msgbuf, msg_bufr, 12);
CHECK_OFF(msgbuf, msg_ptr, 16);
CHECK_OFF(msgbuf, msg_bufl, 24);
CHECK_OFF(msgbuf, msg_unused01, 28);
#endif /* !KDUMP_OPT_DEBUG */
