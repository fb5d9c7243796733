/*
 * shapes.c - DWARF shapes the sample kernels do not have, for package
 * structs' tests: bit-fields (both DWARF encodings), an anonymous union,
 * multi-dimensional arrays, a typedef'd anonymous struct, qualifiers,
 * _Bool, float, a signed enum, a top-level union and a struct that is only
 * declared.
 *
 * Built (by hand; the objects are checked in) with gcc 12, x86-64:
 *
 *   for v in 2 4 5; do
 *     gcc -c -g -gdwarf-$v -gstrict-dwarf -gno-record-gcc-switches -O0 \
 *         -fno-asynchronous-unwind-tables -fno-ident \
 *         -fdebug-prefix-map=$PWD=. -o shapes-dwarf$v.o shapes.c
 *   done
 *
 * DWARF 2 (strict) encodes member offsets as DW_OP_plus_uconst blocks and
 * bit-fields with DW_AT_byte_size + DW_AT_bit_offset (numbered from the
 * most significant bit); DWARF 4 uses constants and the same old
 * bit-field form; DWARF 5 uses DW_AT_data_bit_offset.
 */
#define offsetof(t, f)	__builtin_offsetof(t, f)

enum sign { NEG = -1, ZERO = 0, POS = 1 };

struct opaque;			/* declared, never defined */

typedef struct {
	int	a;
	long	b;
} anon_t;

struct bits {
	unsigned int	lo:3;		/* bits 0..2 of byte 0 */
	unsigned int	mid:7;		/* bits 3..9: byte 0 bit 3, spans 2 bytes */
	int		neg:4;		/* bits 10..13: byte 1 bit 2 */
	unsigned char	c;		/* byte 2 */
	unsigned long	wide:40;	/* bits 24..63: byte 3, 5 bytes */
	unsigned long	top:24;		/* bits 64..87: byte 8, 3 bytes */
	_Bool		flag:1;		/* bit 88: byte 11 bit 0 */
};

struct shapes {
	const volatile int	cv;
	struct bits		bits;
	union {
		int		u_i;
		float		u_f;
	};					/* anonymous union */
	short			grid[3][5];
	anon_t			anon;
	_Bool			ok;
	double			d;
	enum sign		sign;
	struct opaque		*op;
	int			(*fn)(int);
	const char *const	*argv;
	struct bits		barr[2];
	char			tail[];
};

union top {
	long		l;
	struct bits	b;
	char		c[24];
};

_Static_assert(sizeof(struct bits) == 16, "bits");
_Static_assert(offsetof(struct bits, c) == 2, "c");
_Static_assert(offsetof(struct shapes, bits) == 8, "bits at 8");
_Static_assert(offsetof(struct shapes, u_i) == 24, "anon union");
_Static_assert(offsetof(struct shapes, grid) == 28, "grid");
_Static_assert(offsetof(struct shapes, anon) == 64, "anon");
_Static_assert(offsetof(struct shapes, ok) == 80, "ok");
_Static_assert(offsetof(struct shapes, d) == 88, "d");
_Static_assert(offsetof(struct shapes, sign) == 96, "sign");
_Static_assert(offsetof(struct shapes, op) == 104, "op");
_Static_assert(offsetof(struct shapes, fn) == 112, "fn");
_Static_assert(offsetof(struct shapes, argv) == 120, "argv");
_Static_assert(offsetof(struct shapes, barr) == 128, "barr");
_Static_assert(offsetof(struct shapes, tail) == 160, "tail");
_Static_assert(sizeof(struct shapes) == 160, "shapes");
_Static_assert(sizeof(union top) == 24, "top");

struct shapes	shapes_var;
union top	top_var;
