/*
 * dfly2009.c - kdump sample kernel: DragonFly BSD x86_64, 2009-12 .. 2013-10
 * (global allproc/zombproc lists, LWPs in a red-black tree; this file
 * models a 2.10 release kernel, 2011-04).
 *
 * Not a kernel: a small ELF executable, linked at the real kernel
 * addresses (kernel.ld), whose symbol table and DWARF have the shape of a
 * DragonFly kernel of this era.  Self-contained: no header is included.
 *
 * Era facts (spec/formats.md §0.3, §8, §9.2, §10, §14.1):
 *  - x86_64 dumps exist from 2009-12 (be66ad118c);
 *  - processes on the global lists `struct proclist allproc, zombproc`
 *    (libkvm symbols _nprocs, _allproc, _zombproc);
 *  - LWPs in the red-black tree p_lwp_tree (2007-08+): DragonFly RB_HEAD
 *    {rbh_root, rbh_inprog, rbh_spin} (24 bytes), node RB_ENTRY
 *    {rbe_left, rbe_right, rbe_parent, int rbe_color} in union u of
 *    struct lwp as u.lwp_rbnode, next to LIST_ENTRY lwp_reap_entry;
 *  - the flag words are still called p_flag and lwp_flag: this kernel
 *    predates the 2011-11-15 rename (4643740aa6) to p_flags/lwp_flags and
 *    the split-off lwp_mpflags, so LWP_ONRUNQ/LWP_WEXIT/LWP_WSTOP still live
 *    in lwp_flag;
 *  - pgrp is chained through pg_hash, session has no s_list (2013 rework);
 *  - msgbuf in the old format (magic 0x063062, 128 KiB since 2010-09);
 *  - vm_tsize/vm_dsize/vm_ssize count pages; pcb_cr3 at 64.
 *
 * Declarations written for kdump from the spec and DragonFly's headers of
 * the era; names of members kdump never reads are best-effort.
 */
/* ---------------------------------------------------------------------
 * sys/cdefs.h, machine/stdint.h, sys/types.h
 */
#define __cachealign	__attribute__((__aligned__(64)))
#define __aligned(x)	__attribute__((__aligned__(x)))
#define __used		__attribute__((__used__))
#define offsetof(type, field)	__builtin_offsetof(type, field)
#define NULL		((void *)0)

typedef signed char		__int8_t;
typedef unsigned char		__uint8_t;
typedef short			__int16_t;
typedef unsigned short		__uint16_t;
typedef int			__int32_t;
typedef unsigned int		__uint32_t;
typedef long			__int64_t;
typedef unsigned long		__uint64_t;

typedef __int8_t		int8_t;
typedef __uint8_t		uint8_t;
typedef __int16_t		int16_t;
typedef __uint16_t		uint16_t;
typedef __int32_t		int32_t;
typedef __uint32_t		uint32_t;
typedef __int64_t		int64_t;
typedef __uint64_t		uint64_t;
typedef unsigned long		uintptr_t;
typedef unsigned long		size_t;

typedef unsigned char		u_char;
typedef unsigned short		u_short;
typedef unsigned int		u_int;
typedef unsigned long		u_long;
typedef __uint32_t		u_int32_t;
typedef __uint64_t		u_int64_t;

typedef char			*caddr_t;
typedef __int32_t		pid_t;
typedef __int32_t		lwpid_t;
typedef __uint32_t		uid_t;
typedef __uint32_t		gid_t;
typedef __uint32_t		dev_t;		/* 4 bytes since 2008 */
typedef long			segsz_t;
typedef long			time_t;
typedef long			suseconds_t;
typedef __uint32_t		sysclock_t;	/* 32-bit until 2018 */
typedef __uint32_t		fixpt_t;
typedef __int64_t		register_t;
typedef __uint64_t		vm_offset_t;
typedef __uint64_t		vm_size_t;
typedef __uint64_t		vm_pindex_t;
typedef __uint32_t		vm_flags_t;
typedef __uint64_t		pml4_entry_t;
typedef __uint64_t		pt_entry_t;
typedef void			(*sig_t)(int);

/* sys/param.h */
#define MAXCOMLEN	16
#define MAXLOGNAME	33
#define NGROUPS		16
#define SPECNAMELEN	63
#define MAXHOSTNAMELEN	256
#define WMESGLEN	8
#define MAXCPU		256
#define roundup(x, y)	((((x) + ((y) - 1)) / (y)) * (y))

/* machine/types.h: cpu masks were a single integer before 2014 */
typedef __uint64_t	cpumask_t;	/* pc64: 64 cpus */

/* sys/_sigset.h */
#define _SIG_WORDS	4
#define _SIG_MAXSIG	128
typedef struct __sigset {
	__uint32_t	__bits[_SIG_WORDS];
} sigset_t;

typedef struct sigaltstack {
	void		*ss_sp;		/* signal stack base */
	size_t		ss_size;	/* signal stack length */
	int		ss_flags;	/* SS_DISABLE and/or SS_ONSTACK */
} stack_t;

/* sys/_timeval.h, sys/time.h */
struct timeval {
	time_t		tv_sec;		/* seconds */
	suseconds_t	tv_usec;	/* and microseconds */
};

struct itimerval {
	struct timeval	it_interval;	/* timer interval */
	struct timeval	it_value;	/* current value */
};

/* sys/resource.h */
struct rusage {
	struct timeval	ru_utime;	/* user time used */
	struct timeval	ru_stime;	/* system time used */
	long		ru_maxrss;	/* max resident set size */
	long		ru_ixrss;	/* integral shared memory size */
	long		ru_idrss;	/* integral unshared data " */
	long		ru_isrss;	/* integral unshared stack " */
	long		ru_minflt;	/* page reclaims */
	long		ru_majflt;	/* page faults */
	long		ru_nswap;	/* swaps */
	long		ru_inblock;	/* block input operations */
	long		ru_oublock;	/* block output operations */
	long		ru_msgsnd;	/* messages sent */
	long		ru_msgrcv;	/* messages received */
	long		ru_nsignals;	/* signals received */
	long		ru_nvcsw;	/* voluntary context switches */
	long		ru_nivcsw;	/* involuntary " */
};

/* sys/rtprio.h */
struct rtprio {
	u_short		type;		/* scheduling class */
	u_short		prio;
};

/* ---------------------------------------------------------------------
 * sys/queue.h, sys/tree.h (DragonFly flavour)
 */
#define LIST_HEAD(name, type)						\
struct name {								\
	struct type *lh_first;	/* first element */			\
}
#define LIST_ENTRY(type)						\
struct {								\
	struct type *le_next;	/* next element */			\
	struct type **le_prev;	/* address of previous next element */	\
}
#define SLIST_HEAD(name, type)						\
struct name {								\
	struct type *slh_first;	/* first element */			\
}
#define SLIST_ENTRY(type)						\
struct {								\
	struct type *sle_next;	/* next element */			\
}
#define TAILQ_HEAD(name, type)						\
struct name {								\
	struct type *tqh_first;	/* first element */			\
	struct type **tqh_last;	/* addr of last next element */		\
}
#define TAILQ_ENTRY(type)						\
struct {								\
	struct type *tqe_next;	/* next element */			\
	struct type **tqe_prev;	/* address of previous next element */	\
}

/* sys/spinlock.h */
struct spinlock {
	int		lock;		/* count of shared + exclusive bit */
	int		update;		/* update generation */
};

/* DragonFly's RB_HEAD carries an iteration marker and a spinlock. */
#define RB_HEAD(name, type)						\
struct name {								\
	struct type *rbh_root;		/* root of the tree */		\
	struct type *rbh_inprog;	/* scan progress */		\
	struct spinlock rbh_spin;					\
}
#define RB_ENTRY(type)							\
struct {								\
	struct type *rbe_left;		/* left element */		\
	struct type *rbe_right;		/* right element */		\
	struct type *rbe_parent;	/* parent element */		\
	int rbe_color;			/* node color */		\
}


/* ---------------------------------------------------------------------
 * sys/thread.h: tokens, message ports, locks
 */
struct thread;
struct proc;
struct lwp;
struct globaldata;
struct lwkt_tokref;

struct lwkt_token {
	long		t_count;	/* Shared/exclreq/exclusive access */
	struct lwkt_tokref *t_ref;	/* Exclusive ref */
	long		t_collisions;	/* Collision counter */
	const char	*t_desc;	/* Descriptive name */
};

struct lwkt_tokref {
	struct lwkt_token *tr_tok;	/* token in question */
	long		tr_count;	/* TOK_EXCLUSIVE|TOK_EXCLREQ or 0 */
	struct thread	*tr_owner;	/* me */
};

#define LWKT_MAXTOKENS	32

struct lwkt_msg;
TAILQ_HEAD(lwkt_msg_queue, lwkt_msg);
typedef struct lwkt_msg_queue	lwkt_msg_queue;
typedef TAILQ_HEAD(lwkt_queue, thread) lwkt_queue;

typedef struct lwkt_port {
	struct lwkt_msg	*(*mp_getport)(struct lwkt_port *);
	int		(*mp_putport)(struct lwkt_port *, struct lwkt_msg *);
	int		(*mp_waitmsg)(struct lwkt_msg *, int);
	void		*(*mp_waitport)(struct lwkt_port *, int);
	void		(*mp_replyport)(struct lwkt_port *, struct lwkt_msg *);
	int		(*mp_dropmsg)(struct lwkt_port *, struct lwkt_msg *);
	lwkt_msg_queue	mp_msgq;
	int		mp_flags;
	union {
		struct spinlock	spin;
		void		*serialize;
		void		*data;
	} mp_u;
	struct thread	*mpu_td;
} lwkt_port;

struct lock {
	u_int		lk_flags;	/* see below */
	int		lk_timo;	/* maximum sleep time (for tsleep) */
	__uint64_t	lk_count;	/* -shared, +exclusive */
	const char	*lk_wmesg;	/* resource sleeping (for tsleep) */
	struct thread	*lk_lockholder;	/* thread of excl lock holder */
};

struct iosched_data {
	size_t		iorbytes;
	size_t		iowbytes;
	int		lastticks;	/* for delta */
	int		unused01;
};

struct varsyment;
struct varsymset {
	TAILQ_HEAD(, varsyment) vx_queue;
	struct lock	vx_lock;
	int		vx_setsize;
};

struct callout {
	union {
		SLIST_ENTRY(callout) sle;
		TAILQ_ENTRY(callout) tqe;
	} c_links;
	int		c_time;		/* ticks to the event */
	void		*c_arg;		/* function argument */
	void		(*c_func)(void *);	/* function to call */
	int		c_flags;	/* state of this entry */
	void		*c_gd;
};

struct namecache;
struct mount;
struct nchandle {
	struct namecache *ncp;		/* ncp in underlying filesystem */
	struct mount	*mount;		/* mount pt (possible overlay) */
};

struct knote;
SLIST_HEAD(klist, knote);
struct sigio;
SLIST_HEAD(sigiolst, sigio);

struct kqueue {
	TAILQ_HEAD(, knote) kq_knpend;	/* pending events */
	TAILQ_HEAD(, knote) kq_knlist;	/* all knotes */
	int		kq_count;	/* number of pending events */
	int		kq_state;
	struct filedesc	*kq_fdp;
	u_long		kq_knhashmask;	/* size of knhash */
	struct knote	**kq_knhash;	/* hash table for knotes */
};

struct uprof {				/* profile arguments */
	caddr_t		pr_base;	/* buffer base */
	u_long		pr_size;	/* buffer size */
	u_long		pr_off;		/* pc offset */
	u_long		pr_scale;	/* pc scaling */
	u_long		pr_addr;	/* temp storage for addr until AST */
	u_long		pr_ticks;	/* temp storage for ticks until AST */
};

/* ---------------------------------------------------------------------
 * sys/proc.h: states and flags (spec §12)
 */
enum lwpstat {
	LSRUN = 1,
	LSSTOP = 2,
	LSSLEEP = 3
};

enum procstat {
	SIDL = 1,
	SACTIVE = 2,
	SSTOP = 3,
	SZOMB = 4
};

#define P_ADVLOCK	0x00001	/* Process may hold a POSIX advisory lock */
#define P_CONTROLT	0x00002	/* Has a controlling terminal */
#define P_SWAPPEDOUT	0x00004	/* Swapped out of memory */
#define P_SYSVSEM	0x00008	/* Might have SysV semaphores */
#define P_PPWAIT	0x00010	/* Parent is waiting for child to exec/exit */
#define P_PROFIL	0x00020	/* Has started profiling */
#define P_SUGID		0x00100	/* Had set id privileges since last exec */
#define P_SYSTEM	0x00200	/* System proc: no sigs, stats or swapping */
#define P_TRACED	0x00800	/* Debugged process being traced */
#define P_WAITED	0x01000	/* SIGSTOP status was returned by wait3/4 */
#define P_WEXIT		0x02000	/* Working on exiting (master exit) */
#define P_EXEC		0x04000	/* Process called exec */
#define P_SWAPWAIT	0x00040000 /* Waiting for a swapin */
#define P_KTHREADP	0x00200000 /* Process is really a kernel thread */
#define P_IDLESWAP	0x00400000 /* Swapout was due to idleswap, not load */
#define P_DEADLKTREAT	0x00800000 /* lock aquisition - deadlock treatment */
#define P_JAILED	0x01000000 /* Process is in jail */
#define P_INEXEC	0x08000000 /* Process is in execve(). */

/* lwp_flag: run-queue and exit state still share the word (pre 2011-11) */
#define LWP_ALTSTACK	0x0000001 /* have alternate signal stack */
#define LWP_OLDMASK	0x0000002 /* need to restore mask before pause */
#define LWP_BREAKTSLEEP	0x0000004 /* Event pending, break tsleep on sigcont */
#define LWP_SINTR	0x0000008 /* Sleep is interruptible. */
#define LWP_SELECT	0x0000010 /* Selecting; wakeup/waiting danger. */
#define LWP_ONRUNQ	0x0000020 /* on a user scheduling run queue */
#define LWP_WEXIT	0x0000040 /* working on exiting */
#define LWP_WSTOP	0x0000080 /* working on stopping */

#define TDF_RUNNING	0x00000001 /* thread still active */
#define TDF_RUNQ	0x00000002 /* on an LWKT run queue */
#define TDF_TSLEEPQ	0x00000080 /* on a tsleep wait queue */
#define TDF_SYSTHREAD	0x00000100 /* reserve memory may be used */

/* ---------------------------------------------------------------------
 * sys/ucred.h, sys/jail.h
 */
struct uidinfo;
struct prison;

struct ucred {
	int		cr_ref;		/* reference count */
	uid_t		cr_uid;		/* effective user id */
	short		cr_ngroups;	/* number of groups */
	gid_t		cr_groups[NGROUPS];	/* groups */
	struct uidinfo	*cr_uidinfo;	/* per uid resource consumption */
	struct uidinfo	*cr_ruidinfo;	/* per ruid resource consumption */
	struct prison	*cr_prison;	/* prison info */
	uid_t		cr_ruid;	/* Real user id. */
	uid_t		cr_svuid;	/* Saved effective user id. */
	gid_t		cr_rgid;	/* Real group id. */
	gid_t		cr_svgid;	/* Saved effective group id. */
	int		cr_refcnt;	/* Number of references. */
};

struct prison {
	LIST_ENTRY(prison) pr_list;	/* all prisons */
	int		pr_id;		/* prison id */
	int		pr_ref;		/* reference count */
	struct nchandle	pr_root;	/* namecache entry of root */
	char		pr_host[MAXHOSTNAMELEN];	/* host name */
};

/* ---------------------------------------------------------------------
 * sys/proc.h
 */
struct session;
struct pgrp;
struct vnode;
struct tty;

LIST_HEAD(proclist, proc);
LIST_HEAD(pgrplist, pgrp);
LIST_HEAD(sesslist, session);
LIST_HEAD(lwplist, lwp);
RB_HEAD(lwp_rb_tree, lwp);

struct session {
	int		s_count;	/* Ref cnt; pgrps in session. */
	struct proc	*s_leader;	/* Session leader. */
	struct vnode	*s_ttyvp;	/* Vnode of controlling terminal. */
	struct tty	*s_ttyp;	/* Controlling terminal. */
	pid_t		s_sid;		/* Session ID */
	char		s_login[roundup(MAXLOGNAME, sizeof(long))];	/* Setlogin() name. */
};

struct pgrp {
	LIST_ENTRY(pgrp) pg_hash;	/* Hash chain. */
	LIST_HEAD(, proc) pg_members;	/* Pointer to pgrp members. */
	struct session	*pg_session;	/* Pointer to session. */
	struct sigiolst	pg_sigiolst;	/* List of sigio sources. */
	pid_t		pg_id;		/* Pgrp id. */
	int		pg_jobc;	/* # procs qualifying pgrp for job control */
};

struct pargs {
	u_int		ar_ref;		/* Reference count */
	u_int		ar_length;	/* Length */
	u_char		ar_args[];	/* Arguments */
};

union usched_data {
	/*
	 * BSD4 scheduler.
	 */
	struct {
		short	priority;	/* lower is better */
		char	interactive;	/* (currently not used) */
		char	rqindex;
		int	origcpu;
		int	estcpu;		/* dynamic priority modification */
	} bsd4;

	int		pad[4];		/* PAD for future expansion */
};

struct trapframe;
struct mdproc {
	struct trapframe *md_regs;	/* registers on current frame */
};

struct vmspace;
struct vkernel_lwp;
struct vkernel_proc;
struct filedesc;
struct filedesc_to_leader;
struct plimit;
struct pstats;
struct ktrace_node;
struct sysentvec;
struct usched;
struct sem_undo;
struct upcall;

struct lwp {
	TAILQ_ENTRY(lwp) lwp_procq;	/* run/sleep queue. */
	union {
		RB_ENTRY(lwp)	lwp_rbnode;	/* RB tree node - lwp in proc */
		LIST_ENTRY(lwp)	lwp_reap_entry;	/* reaper list */
	} u;

	struct proc	*lwp_proc;	/* Link to our proc. */
	struct vmspace	*lwp_vmspace;	/* Inherited from p_vmspace */
	struct vkernel_lwp *lwp_vkernel;/* VKernel support, lwp part */

	lwpid_t		lwp_tid;	/* Our thread id */

	int		lwp_flag;	/* LWP_* flags (lwp_flags since 2011-11) */
	enum lwpstat	lwp_stat;	/* LS* lwp status */
	int		lwp_lock;	/* lwp lock (prevent destruct) count */

	int		lwp_dupfd;	/* Sideways return value from fdopen */

	int		lwp_sig;	/* for core dump/debugger XXX */
	u_long		lwp_code;	/* for core dump/debugger XXX */

	sysclock_t	lwp_cpticks;	/* cpu used in sched clock ticks */
	sysclock_t	lwp_cpbase;	/* Measurement base */
	fixpt_t		lwp_pctcpu;	/* %cpu for this process */
	u_int		lwp_slptime;	/* Time since last blocked. */

	int		lwp_traceflag;	/* Kernel trace points. */

	struct rusage	lwp_ru;		/* stats for this lwp */

	union usched_data lwp_usdata;	/* User scheduler specific */

	cpumask_t	lwp_cpumask;
	sigset_t	lwp_siglist;	/* Signals arrived but not delivered. */
	sigset_t	lwp_oldsigmask;	/* saved mask from before sigpause */
	sigset_t	lwp_sigmask;	/* Current signal mask. */
	stack_t		lwp_sigstk;	/* sp & on stack state variable */

	struct rtprio	lwp_rtprio;	/* Realtime priority. */

	struct mdproc	lwp_md;		/* Any machine-dependent fields. */

	struct thread	*lwp_thread;	/* backpointer to proc's thread */
	struct upcall	*lwp_upcall;	/* REGISTERED USERLAND POINTER! */
	struct kqueue	lwp_kqueue;	/* for select/poll */
	u_int		lwp_kqueue_serial;
};

struct proc {
	LIST_ENTRY(proc) p_list;	/* List of all processes. */

	/* substructures: */
	struct ucred	*p_ucred;	/* Process owner's identity. */
	struct filedesc	*p_fd;		/* Ptr to open files structure. */
	struct filedesc_to_leader *p_fdtol; /* Ptr to tracking node XXX lwp */
	struct plimit	*p_limit;	/* Process limits. */
	struct pstats	*p_stats;
	void		*p_pad0;
	struct sigacts	*p_sigacts;

	int		p_flag;		/* P_* flags (p_flags since 2011-11) */
	enum procstat	p_stat;		/* S* process status. */
	char		p_pad1[3];

	pid_t		p_pid;		/* Process identifier. */
	LIST_ENTRY(proc) p_hash;	/* Hash chain. */
	LIST_ENTRY(proc) p_pglist;	/* List of processes in pgrp. */
	struct proc	*p_pptr;	/* Pointer to parent process. */
	LIST_ENTRY(proc) p_sibling;	/* List of sibling processes. */
	LIST_HEAD(, proc) p_children;	/* Pointer to list of children. */
	struct callout	p_ithandle;	/* for scheduling p_realtimer */
	struct varsymset p_varsymset;
	struct iosched_data p_iosdata;	/* Dynamic I/O scheduling data */

	pid_t		p_oppid;	/* Save parent pid during ptrace. XXX */

	struct vmspace	*p_vmspace;	/* Current address space. */

	unsigned int	p_swtime;	/* Time swapped in or out */

	struct itimerval p_realtimer;	/* Alarm timer. */
	struct itimerval p_timer[3];	/* Virtual-time timers. */

	int		p_traceflag;	/* Kernel trace points. */
	struct ktrace_node *p_tracenode; /* Trace to vnode. */

	sigset_t	p_siglist;	/* Signals arrived but not delivered. */

	struct vnode	*p_textvp;	/* Vnode of executable. */
	struct nchandle	p_textnch;	/* namecache handle of executable. */

	unsigned int	p_stops;	/* procfs event bitmask */
	unsigned int	p_stype;	/* procfs stop event type */
	char		p_step;		/* procfs stop *once* flag */
	unsigned char	p_pfsflags;	/* procfs flags */
	char		p_pad2[2];
	struct sigiolst	p_sigiolst;	/* list of sigio sources */
	int		p_sigparent;	/* signal to parent on exit */
	struct klist	p_klist;	/* knotes attached to this process */

	struct timeval	p_start;	/* start time for a process */

	struct rusage	p_ru;		/* stats for this proc */
	struct rusage	p_cru;		/* sum of stats for reaped children */
	void		*p_dsched_priv1;

	char		p_comm[MAXCOMLEN+1]; /* typ 16+1 bytes */
	char		p_pad3;
	char		p_nice;		/* Process "nice" value. */
	char		p_pad4;
	int		p_osrel;	/* release date for binary ELF note */

	struct pgrp	*p_pgrp;	/* Pointer to process group. */

	struct sysentvec *p_sysent;	/* System call dispatch information. */

	struct uprof	p_prof;		/* Profiling arguments. */
	struct rtprio	p_rtprio;	/* Realtime priority. */
	struct pargs	*p_args;
	u_short		p_xstat;	/* Exit status or last stop signal */

	int		p_ionice;
	void		*p_dsched_priv2;
	u_short		p_acflag;	/* Accounting flags. */

	int		p_lock;		/* Prevent proc destruction */
	int		p_nthreads;	/* Number of threads in this process. */
	int		p_nstopped;	/* Number of stopped threads. */
	int		p_lasttid;	/* Last tid used. */
	struct lwp_rb_tree p_lwp_tree;	/* RB tree of LWPs for this process */
	void		*p_aioinfo;	/* ASYNC I/O info */
	int		p_wakeup;	/* thread id XXX lwp */
	struct proc	*p_peers;	/* XXX lwp */
	struct proc	*p_leader;	/* XXX lwp */
	void		*p_emuldata;	/* process-specific emulator state */
	struct usched	*p_usched;	/* Userland scheduling control */
	struct vkernel_proc *p_vkernel; /* VKernel support, proc part */
	int		p_numposixlocks; /* number of POSIX locks */
	void		(*p_userret)(void);/* p: return-to-user hook */

	struct spinlock	p_spin;		/* Spinlock for LWP access to proc */
	struct lwkt_token p_token;	/* Token for LWP access to proc */
	struct sem_undo	*p_sem_undo;	/* Fast semaphore tracking lookup */
};

#define PIDHASH(pid)	(&pidhashtbl[(pid) & pidhash])

/* ---------------------------------------------------------------------
 * sys/thread.h
 */
struct tls_info {
	void		*base;
	long		size;
};
struct savetls {
	struct tls_info	info[2];
};
union savefpu;
struct md_thread {
	unsigned int	mtd_cpl;
	union savefpu	*mtd_savefpu;	/* pointer to current save area */
	struct savetls	mtd_savetls;
};

struct pcb;

struct thread {
	TAILQ_ENTRY(thread) td_threadq;
	TAILQ_ENTRY(thread) td_allq;
	TAILQ_ENTRY(thread) td_sleepq;
	lwkt_port	td_msgport;	/* built-in message port for replies */
	struct lwp	*td_lwp;	/* (optional) associated lwp */
	struct proc	*td_proc;	/* (optional) associated process */
	struct pcb	*td_pcb;	/* points to pcb and top of kstack */
	struct globaldata *td_gd;	/* associated with this cpu */
	const char	*td_wmesg;	/* string name for blockage */
	const volatile void *td_wchan;	/* waiting on channel */
	int		td_pri;		/* 0-31, 31=highest priority (note 1) */
	int		td_critcount;	/* critical section priority */
	u_int		td_flags;	/* TDF flags */
	int		td_wdomain;	/* domain for wchan address (typ 0) */
	void		(*td_preemptable)(struct thread *td, int critcount);
	void		(*td_release)(struct thread *td);
	char		*td_kstack;	/* kernel stack */
	int		td_kstack_size;	/* size of kernel stack */
	char		*td_sp;		/* kernel stack pointer for LWKT restore */
	struct thread	*(*td_switch)(struct thread *ntd);
	__uint64_t	td_uticks;	/* Statclock hits in user mode (uS) */
	__uint64_t	td_sticks;	/* Statclock hits in system mode (uS) */
	__uint64_t	td_iticks;	/* Statclock hits processing intr (uS) */
	int		td_locks;	/* lockmgr lock debugging */
	void		*td_unused01;	/* (future I/O scheduler heuristic) */
	int		td_refs;	/* hold position in gd_tdallq / hold free */
	int		td_nest_count;	/* prevent splz nesting */
	u_int		td_contended;	/* token contention count */
	u_int		td_mpflags;	/* flags can be set by foreign cpus */
	int		td_cscount;	/* cpu synchronization master */
	int		td_unused02[4];	/* for future fields */
	struct iosched_data td_iosdata;	/* Dynamic I/O scheduling data */
	struct timeval	td_start;	/* start time for a thread/process */
	char		td_comm[MAXCOMLEN+1]; /* typ 16+1 bytes */
	struct thread	*td_preempted;	/* we preempted this thread */
	struct ucred	*td_ucred;	/* synchronized from proc->p_ucred */
	struct lwkt_tokref *td_toks_have;	/* tokens we own */
	struct lwkt_tokref *td_toks_stop;	/* tokens we want */
	struct lwkt_tokref td_toks_array[LWKT_MAXTOKENS];
	int		td_fairq_load;	/* fairq */
	int		td_fairq_count;	/* fairq */
	void		*td_dsched_priv1;	/* priv data for I/O schedulers */
	struct md_thread td_mach;	/* machine-specific */
};

/* ---------------------------------------------------------------------
 * sys/globaldata.h
 */
struct privatespace;
struct lwkt_ipiq;
struct globaldata {
	struct privatespace *gd_prvspace;	/* self-reference */
	struct thread	*gd_curthread;
	struct thread	*gd_freetd;		/* cache one free td */
	__uint32_t	gd_reqflags;		/* (see note above) */
	long		gd_flags;
	lwkt_queue	gd_tdallq;		/* all threads */
	lwkt_queue	gd_tdrunq;		/* runnable threads */
	__uint32_t	gd_cpuid;
	cpumask_t	gd_cpumask;		/* mask = CPUMASK(cpuid) */
	cpumask_t	gd_other_cpus;		/* mask of 'other' cpus */
	int		gd_intr_nesting_level;	/* hard code, intrs, ipis */
	int		gd_spinlocks;		/* Exclusive spinlocks held */
	struct lwkt_ipiq *gd_ipiq;		/* array[ncpu] of ipiq's */
	struct thread	gd_idlethread;
};

/* ---------------------------------------------------------------------
 * sys/tty.h, sys/conf.h
 */
typedef unsigned int	tcflag_t;
typedef unsigned char	cc_t;
typedef unsigned int	speed_t;
#define NCCS		20
struct termios {
	tcflag_t	c_iflag;	/* input flags */
	tcflag_t	c_oflag;	/* output flags */
	tcflag_t	c_cflag;	/* control flags */
	tcflag_t	c_lflag;	/* local flags */
	cc_t		c_cc[NCCS];	/* control chars */
	speed_t		c_ispeed;	/* input speed */
	speed_t		c_ospeed;	/* output speed */
};
struct winsize {
	unsigned short	ws_row;		/* rows, in characters */
	unsigned short	ws_col;		/* columns, in characters */
	unsigned short	ws_xpixel;	/* horizontal size, pixels */
	unsigned short	ws_ypixel;	/* vertical size, pixels */
};

struct clist {
	int		c_cc;		/* count of characters in queue */
	int		c_cbcount;	/* number of cblocks */
	int		c_cbmax;	/* max # cblocks allowed for this queue */
	int		c_cbreserved;	/* # cblocks reserved for this queue */
	char		*c_cf;		/* points to first character */
	char		*c_cl;		/* points to next open character */
};

struct cdev;
struct tty {
	struct clist	t_rawq;		/* Device raw input queue. */
	long		t_rawcc;	/* Raw input queue statistics. */
	struct clist	t_canq;		/* Device canonical queue. */
	long		t_cancc;	/* Canonical queue statistics. */
	struct clist	t_outq;		/* Device output queue. */
	long		t_outcc;	/* Output queue statistics. */
	int		t_line;		/* Interface to device drivers. */
	struct cdev	*t_dev;		/* Device. */
	int		t_state;	/* Device and driver (TS*) state. */
	int		t_flags;	/* Tty flags. */
	int		t_unused01;
	struct pgrp	*t_pgrp;	/* Foreground process group. */
	struct session	*t_session;	/* Enclosing session. */
	struct sigio	*t_sigio;	/* Information for async I/O. */
	struct termios	t_termios;	/* Termios state. */
	struct winsize	t_winsize;	/* Window size. */
	int		t_timeout;	/* Timeout for ttywait() */
	int		t_column;	/* Tty output column. */
	int		t_rocount, t_rocol;	/* Tty. */
	int		t_ififosize;	/* Total size of upstream fifos. */
	int		t_ihiwat;	/* High water mark for input. */
	int		t_ilowat;	/* Low water mark for input. */
	speed_t		t_ispeedwat;	/* t_ispeed override for watermarks. */
	int		t_ohiwat;	/* High water mark for output. */
	int		t_olowat;	/* Low water mark for output. */
	speed_t		t_ospeedwat;	/* t_ospeed override for watermarks. */
	int		t_gen;		/* Generation number. */
	void		*t_sc;		/* XXX: net/if_sl.c:sl_softc. */
	void		(*t_oproc)(struct tty *);	/* Start output. */
	void		(*t_stop)(struct tty *, int);	/* Stop output. */
	int		(*t_param)(struct tty *, struct termios *); /* Set parameters. */
	void		(*t_unhold)(struct tty *);	/* Release hold. */
};

struct timespec {
	time_t		tv_sec;		/* seconds */
	long		tv_nsec;	/* and nanoseconds */
};
struct dev_ops;
struct disk;

struct cdev {
	u_int		si_flags;	/* SI_* flags */
	__uint64_t	si_inode;
	uid_t		si_uid;
	gid_t		si_gid;
	int		si_perms;
	TAILQ_ENTRY(cdev) link;
	int		si_uminor;
	int		si_umajor;
	struct cdev	*si_parent;
	LIST_ENTRY(cdev) si_hash;
	SLIST_HEAD(, vnode) si_hlist;
	char		si_name[SPECNAMELEN + 1];
	void		*si_drv1;
	void		*si_drv2;
	struct dev_ops	*si_ops;	/* device operations vector */
	struct dev_ops	*si_bops;	/* backing devops vector */
	int		si_iosize_max;	/* maximum I/O size (for physio &al) */
	int		si_unused01;
	union {
		struct {
			struct tty *__sit_tty;
		} __si_tty;
		struct {
			struct disk *__sid_disk;
			struct mount *__sid_mountpoint;
			int	__sid_bsize_phys; /* min physical block size */
			int	__sid_bsize_best; /* optimal block size */
		} __si_disk;
	} __si_u;
	struct timespec	si_lastread;	/* time_second */
	struct timespec	si_lastwrite;	/* time_second */
};

/* ---------------------------------------------------------------------
 * sys/signalvar.h
 */
struct sigacts {
	sig_t		ps_sigact[_SIG_MAXSIG];	/* disposition of signals */
	sigset_t	ps_catchmask[_SIG_MAXSIG];	/* signals to be blocked */
	struct {
		int	pid;
		int	uid;
	} ps_frominfo[_SIG_MAXSIG];
	sigset_t	ps_sigignore;	/* Signals being ignored. */
	sigset_t	ps_sigcatch;	/* Signals being caught by user. */
	sigset_t	ps_sigonstack;	/* signals to take on sigstack */
	sigset_t	ps_sigintr;	/* signals that interrupt syscalls */
	sigset_t	ps_sigreset;	/* signals that reset when caught */
	sigset_t	ps_signodefer;	/* signals not masked while handled */
	sigset_t	ps_siginfo;	/* signals that want SA_SIGINFO args */
	sigset_t	ps_sigmailbox;	/* signals that update a mailbox */
	int		ps_refcnt;
	int		ps_flag;
};

/* ---------------------------------------------------------------------
 * sys/vm/vm_map.h, sys/platform/pc64/include/pmap.h
 */
struct vm_map_entry;
RB_HEAD(vm_map_rb_tree, vm_map_entry);
struct pmap;

struct vm_map {
	struct lock	lock;		/* Lock for map data */
	struct vm_map_rb_tree rb_root;	/* Organize map entries */
	vm_offset_t	min_addr;	/* min address */
	vm_offset_t	max_addr;	/* max address */
	int		nentries;	/* Number of entries */
	unsigned int	timestamp;	/* Version number */
	vm_size_t	size;		/* virtual size */
	u_char		system_map;	/* Am I a system map? */
	u_char		unused01;
	u_char		unused02;
	u_char		unused03;
	vm_flags_t	flags;		/* flags for this vm_map */
	struct vm_map_entry *first_free; /* First free space hint */
	struct pmap	*pmap;		/* Physical map */
	u_int		president_cache; /* Remember president count */
	u_int		president_ticks; /* Save ticks for cache */
	struct lwkt_token token;	/* Soft serializer */
};

struct pmap_statistics {
	long		resident_count;	/* # of pages mapped (total) */
	long		wired_count;	/* # of pages wired */
};

struct vm_page;
struct vm_object;
struct pv_entry;
RB_HEAD(pv_entry_rb_tree, pv_entry);

struct pmap {
	pml4_entry_t	*pm_pml4;	/* KVA of level 4 page table */
	struct vm_page	*pm_pdirm;	/* VM page for pg directory */
	vm_pindex_t	pm_pdirpindex;	/* pindex of pg directory */
	struct pv_entry	*pm_pmlpv;	/* PV entry for pml4 */
	TAILQ_ENTRY(pmap) pm_pmnode;	/* list of pmaps */
	struct pv_entry_rb_tree pm_pvroot;
	int		pm_count;	/* reference count */
	cpumask_t	pm_active;	/* active on cpus */
	int		pm_flags;
	struct pmap_statistics pm_stats; /* pmap statistics */
	struct pv_entry	*pm_pvhint;	/* pv_entry lookup hint */
	int		pm_generation;	/* detect pvlist deletions */
	struct spinlock	pm_spin;
	struct lwkt_token pm_token;
};

struct vmspace {
	struct vm_map	vm_map;		/* VM address map */
	struct pmap	vm_pmap;	/* private physical map */
	int		vm_flags;
	caddr_t		vm_shm;		/* SYS5 shared memory private data XXX */
	segsz_t		vm_rssize;	/* current resident set size in pages */
	segsz_t		vm_swrss;	/* resident set size before last swap */
	segsz_t		vm_tsize;	/* text size (pages) XXX */
	segsz_t		vm_dsize;	/* data size (pages) XXX */
	segsz_t		vm_ssize;	/* stack size (pages) */
	caddr_t		vm_taddr;	/* user virtual address of text XXX */
	caddr_t		vm_daddr;	/* user virtual address of data XXX */
	caddr_t		vm_maxsaddr;	/* user VA at max stack growth */
	caddr_t		vm_minsaddr;	/* user VA at max stack growth */
	int		vm_exitingcnt;	/* several procsses zombied in exit1 */
	int		vm_unused01;
	u_int		vm_holdcnt;	/* temporary hold count and exit sequencing */
	u_int		vm_refcnt;	/* normal ref count */
};

/* ---------------------------------------------------------------------
 * sys/platform/pc64/include/pcb.h (pcb_cr3 at 64)
 */
struct pcb_ext;
struct pcb {
	register_t	padxx[8];
	register_t	pcb_cr3;	/* PML4 physical address */
	register_t	pcb_r15;
	register_t	pcb_r14;
	register_t	pcb_r13;
	register_t	pcb_r12;
	register_t	pcb_rbp;
	register_t	pcb_rsp;
	register_t	pcb_rbx;
	register_t	pcb_rip;
	register_t	pcb_rflags;
	register_t	pcb_fsbase;
	register_t	pcb_gsbase;
	u_long		pcb_flags;
	u_int32_t	pcb_ds;
	u_int32_t	pcb_es;
	u_int32_t	pcb_fs;
	u_int32_t	pcb_gs;
	u_int64_t	pcb_dr0;
	u_int64_t	pcb_dr1;
	u_int64_t	pcb_dr2;
	u_int64_t	pcb_dr3;
	u_int64_t	pcb_dr6;
	u_int64_t	pcb_dr7;
	struct pcb_ext	*pcb_ext;	/* optional pcb extension */
	caddr_t		pcb_onfault;	/* copyin/out fault recovery */
};

/* ---------------------------------------------------------------------
 * sys/msgbuf.h (old format, magic 0x063062; indices reduced mod size)
 */
#define MSG_MAGIC	0x063062
#define MSGBUF_SIZE	(128 * 1024)

struct msgbuf {
	unsigned int	msg_magic;
	int		msg_size;	/* size of buffer area */
	int		msg_bufx;	/* write pointer */
	int		msg_bufr;	/* read pointer */
	char		*msg_ptr;	/* pointer to buffer */
};

/* =====================================================================
 * Kernel globals
 */
char ostype[] = "DragonFly";
char osrelease[] = "2.10-RELEASE";
char version[] =
    "DragonFly v2.10.1-RELEASE #2: Tue Apr 26 10:27:45 PDT 2011\n"
    "    root@kdump-build.dragonflybsd.test:/usr/obj/usr/src/sys/X86_64_GENERIC\n";
int osreldate = 201000;

/* sys/kern/kern_proc.c, kern_fork.c */
LIST_HEAD(pidhashhead, proc);
LIST_HEAD(pgrphashhead, pgrp);
struct pidhashhead *pidhashtbl;
u_long pidhash;
struct pgrphashhead *pgrphashtbl;
u_long pgrphash;
struct proclist allproc;			/* List of all processes. */
struct proclist zombproc;			/* List of zombie processes. */
int nprocs = 1;					/* process 0 */
int maxproc = 8192;
struct proc *initproc;

/* sys/kern/init_main.c */
static struct session session0;
static struct pgrp pgrp0;
static struct sigacts sigacts0;
struct proc proc0;
struct lwp lwp0;
struct thread thread0;
struct vmspace vmspace0;
struct ucred ucred0;
struct prison prison0;
struct globaldata globaldata0;
int ncpus = 1;

/* sys/kern/kern_synch.c, kern_clock.c */
int lbolt;			/* once a second sleep address */
int lbolt_syncer;		/* approx 1 hz but may be sped up */
int hz = 100;
int ticks;
static int pause_wchan[MAXCPU];

/* sys/platform/pc64/x86_64/pmap.c */
uint64_t KPML4phys;		/* phys addr of kernel level 4 */
struct msgbuf *msgbufp;		/* set by msgbufinit() */

/* sys/kern/kern_shutdown.c */
const char *panicstr;		/* NULL if no panic */
struct thread *dumpthread;	/* thread that took the dump */
struct pcb dumppcb;		/* savectx() of the dumping thread */
int dumping;			/* system is dumping */
static char panic_buf[256];	/* the formatted panic message */

/* =====================================================================
 * Text
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

struct proc *
pfind(pid_t pid)
{
	struct proc *p;

	if (pidhashtbl == NULL)
		return (NULL);
	for (p = PIDHASH(pid)->lh_first; p != NULL; p = p->p_hash.le_next) {
		if (p->p_pid == pid)
			return (p);
	}
	return (NULL);
}

struct proc *
zpfind(pid_t pid)
{
	struct proc *p;

	for (p = zombproc.lh_first; p != NULL; p = p->p_list.le_next) {
		if (p->p_pid == pid)
			return (p);
	}
	return (NULL);
}

int
sys_wait4(void)
{
	return tsleep(&proc0, 0, "wait", 0);
}

static void
proc0_init(void)
{
	proc0.p_pid = 0;
	proc0.p_stat = SACTIVE;
	proc0.p_flag = P_SYSTEM;
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
	allproc.lh_first = &proc0;
	proc0.p_list.le_prev = &allproc.lh_first;
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

/* Layout guard: the facts every reader of this era relies on. */
_Static_assert(sizeof(struct proclist) == 8, "LIST_HEAD");
_Static_assert(offsetof(struct proc, p_list) == 0, "p_list at 0");
_Static_assert(offsetof(struct pcb, pcb_cr3) == 64, "pcb_cr3 at 64");
_Static_assert(sizeof(struct msgbuf) == 24, "old msgbuf 24");
_Static_assert(sizeof(struct lwp_rb_tree) == 24, "RB_HEAD 24");
_Static_assert(sizeof(((struct lwp *)0)->u.lwp_rbnode) == 32, "RB_ENTRY 32");
