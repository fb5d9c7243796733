/*
 * A miniature "kernel" for dumptest's own tests: just the globals Sample fills,
 * with DWARF for struct msgbuf. Linked at 0xffffffff80200000 by the test with
 * gcc; the real sample kernels live in testdata/kernels at the repository root.
 * -DOLDKERN gives a 2007/2009-style kernel: the old struct msgbuf (no msg_bufl)
 * and no allproc_hsize.
 */
struct msgbuf {
	unsigned int	msg_magic;
	unsigned int	msg_size;
	unsigned int	msg_bufx;
	unsigned int	msg_bufr;
	char		*msg_ptr;
#ifndef OLDKERN
	unsigned int	msg_bufl;
	unsigned int	msg_unused01;
#endif
};

struct pcb {
	unsigned long	padxx[7];
	unsigned long	pcb_cr3_iso;
	unsigned long	pcb_cr3;
	unsigned long	pcb_rest[24];
};

__asm__(".globl kernbase\n.set kernbase, 0xffffffff80000000\n");

struct pcb dumppcb;
unsigned long KPML4phys;
const char *panicstr;
struct msgbuf *msgbufp;
#ifndef OLDKERN
int allproc_hsize = 256;
#endif
char version[] = "DragonFly v5.8.1-RELEASE #0: Sat Jul 25 10:00:00 UTC 2020\n"
    "    root@builder:/usr/obj/usr/src/sys/X86_64_GENERIC\n";
char ostype[] = "DragonFly";
char bigbss[3 << 20];		/* pushes the image past the 2 MiB page */

void
panic(const char *msg)
{
	static char buf[256];
	int i;

	for (i = 0; i < 255 && msg[i]; i++)
		buf[i] = msg[i];
	panicstr = buf;
	for (;;)
		;
}

void
_start(void)
{
	msgbufp->msg_bufx = bigbss[0];
	panic("boot");
}
