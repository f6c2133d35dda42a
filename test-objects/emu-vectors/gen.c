/* Instruction-level test vector generator: runs every form in forms.h on this CPU over edge-case
   inputs and writes what it did as JSON lines (one file per family) for tests/emu-vectors.test.ts,
   which replays each vector in the emulator.

   Each snippet is copied to CODE (a fixed address) and run in user mode with the whole register
   state loaded from a vector (harness.S); the data page is at DATA, the stack at STACK. A vector
   records the inputs that differ from the defaults written in each file's header, and the outputs
   that differ from the inputs; a #DE (SIGFPE) is recorded as "x": 0 with the registers at the fault.
   Flags the SDM leaves undefined are masked: "fm" (defined-flags mask, per form or per vector); "ur"
   lists registers whose value is undefined (bsf/bsr of 0); "mm" masks memory bytes (x87 status word
   condition codes).

   Usage: gen OUTDIR        (built and run by build.sh) */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

struct state {
    uint64_t gpr[16]; /* rax rcx rdx rbx rsp rbp rsi rdi r8..r15 */
    uint64_t rflags;
    uint32_t mxcsr, pad;
    uint8_t xmm[16][16];
};
_Static_assert(__builtin_offsetof(struct state, rflags) == 128, "layout");
_Static_assert(__builtin_offsetof(struct state, mxcsr) == 136, "layout");
_Static_assert(__builtin_offsetof(struct state, xmm) == 144, "layout");

struct state g_in, g_out;
uint64_t g_host_rsp;
void *g_code;
static volatile int g_fault;
extern void run_snippet(void);
extern char snippet_return[], snippet_fault_return[];

#define DATA 0x10000000UL
#define DATA_SIZE 4096
#define STACK 0x10100000UL
#define STACK_SIZE 0x10000
#define CODE 0x10200000UL

enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15 };
static const char *const GPR[16] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"};

enum { G_BIN, G_IMM, G_UN, G_SHIFT, G_SHIFTD, G_MUL, G_DIV, G_BT, G_BSF, G_MOVX, G_COND, G_CONV, G_CMPXCHG, G_CX16,
       G_LEA, G_STR, G_XMOV, G_XMM, G_FP, G_I2F, G_F2I, G_X87, G_X87I };
/* params */
#define P_MEMDST 0x100
#define P_MEMSRC 0x200
#define P_CARRY 0x10000
#define P_RBX 0x400
#define P_R9 0x800
#define P_ONE 0x1000
#define P_IMM7 0x2000
#define P_IMM13 0x4000
#define P_SIGNED 0x8000
#define P_REP 0x20000
#define P_REPNE 0x40000
#define P_X87FLAGS 0x80000
#define K_SHL 1
#define K_SHR 2
#define K_SAR 3
#define K_ROL 4
#define K_ROR 5
#define K_RCL 6
#define K_RCR 7
#define K_SHLD 8
#define K_SHRD 9
#define KIND(p) ((p) & 0xff)

#include "forms.h"

/* Snippet bytes: each body assembled between two labels in a data section (copied out at run time). */
#define SNIP(name, body, gen, width, mask, param) \
    __asm__(".pushsection .rodata.snip,\"a\"\n.globl s_" #name "\ns_" #name ":\n" body "\n.globl e_" #name "\ne_" #name ":\n.popsection\n"); \
    extern const unsigned char s_##name[], e_##name[];
FORMS(SNIP)

struct form {
    const char *name, *body;
    const unsigned char *start, *end;
    int gen, width, mask, param;
    const char *family;
};
static const char *family_of(int gen) {
    switch (gen) {
    case G_BIN: case G_IMM: case G_UN: case G_CMPXCHG: case G_CX16: case G_LEA: case G_CONV: case G_MOVX: case G_COND: return "integer";
    case G_SHIFT: case G_SHIFTD: return "shift";
    case G_MUL: case G_DIV: return "muldiv";
    case G_BT: case G_BSF: return "bit";
    case G_STR: return "string";
    case G_XMOV: case G_XMM: return "sse-int";
    case G_FP: case G_I2F: case G_F2I: return "sse-fp";
    default: return "x87";
    }
}
#define ENTRY(name, body, gen, width, mask, param) {#name, body, s_##name, e_##name, gen, width, mask, param, 0},
static struct form forms[] = {FORMS(ENTRY)};
#define NFORMS (sizeof forms / sizeof forms[0])

/* ---- deterministic pseudo-random numbers (xorshift64*) */
static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(void) {
    rng ^= rng >> 12; rng ^= rng << 25; rng ^= rng >> 27;
    return rng * 0x2545f4914f6cdd1dULL;
}

/* ---- defaults */
static struct state defaults;
static uint8_t mem_default[DATA_SIZE];
static void init_defaults(void) {
    for (int i = 0; i < 16; i++) defaults.gpr[i] = 0x0101010101010101ULL * (uint64_t)(i + 1) ^ 0x8040201008040201ULL;
    defaults.gpr[RSP] = STACK + STACK_SIZE - 0x100;
    defaults.gpr[RSI] = DATA + 0x100;
    defaults.gpr[RDI] = DATA + 0x400;
    defaults.rflags = 0x202;
    defaults.mxcsr = 0x1f80;
    for (int i = 0; i < 16; i++)
        for (int j = 0; j < 16; j++) defaults.xmm[i][j] = (uint8_t)(0x11 * i + 3 * j + 0x40);
}

/* ---- output */
static FILE *out_for(const char *family);
static const struct form *cur;
static int cur_fm;           /* flags mask for this vector (-1: the form's) */
static const char *cur_ur;   /* undefined registers, JSON list text or NULL */
static const char *cur_mm;   /* memory masks, JSON text or NULL */
static long nvectors;

static void hex(FILE *f, const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++) fprintf(f, "%02x", p[i]);
}
/* xmm as 16 bytes little-endian, printed as a 128-bit number (most significant first) */
static void hexx(FILE *f, const uint8_t *x) {
    for (int i = 15; i >= 0; i--) fprintf(f, "%02x", x[i]);
}

static void mem_diff(FILE *f, const uint8_t *a, const uint8_t *b, const char *key, int comma) {
    int first = 1;
    for (int i = 0; i < DATA_SIZE;) {
        if (a[i] == b[i]) { i++; continue; }
        int j = i;
        while (j < DATA_SIZE && a[j] != b[j]) j++;
        if (first) fprintf(f, "%s\"%s\":[", comma ? "," : "", key);
        fprintf(f, "%s[%d,\"", first ? "" : ",", i);
        hex(f, b + i, (size_t)(j - i));
        fprintf(f, "\"]");
        first = 0;
        i = j;
    }
    if (!first) fprintf(f, "]");
}

static int state_diff(FILE *f, const struct state *a, const struct state *b, int always_flags) {
    int first = 1;
#define SEP() (first ? (first = 0, "") : ",")
    for (int i = 0; i < 16; i++)
        if (a->gpr[i] != b->gpr[i]) fprintf(f, "%s\"%s\":\"%llx\"", SEP(), GPR[i], (unsigned long long)b->gpr[i]);
    if (always_flags || a->rflags != b->rflags) fprintf(f, "%s\"fl\":\"%llx\"", SEP(), (unsigned long long)(b->rflags & 0xcd5));
    if (a->mxcsr != b->mxcsr) fprintf(f, "%s\"mx\":\"%x\"", SEP(), b->mxcsr);
    for (int i = 0; i < 16; i++)
        if (memcmp(a->xmm[i], b->xmm[i], 16)) { fprintf(f, "%s\"x%d\":\"", SEP(), i); hexx(f, b->xmm[i]); fprintf(f, "\""); }
#undef SEP
    return !first;
}

static void on_fault(int sig, siginfo_t *si, void *ctx) {
    (void)si;
    ucontext_t *uc = ctx;
    greg_t *g = uc->uc_mcontext.gregs;
    static const int map[16] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
                                REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15};
    if ((uint64_t)g[REG_RIP] < CODE || (uint64_t)g[REG_RIP] >= CODE + 4096) {
        fprintf(stderr, "gen: signal %d outside a snippet at %llx\n", sig, (unsigned long long)g[REG_RIP]);
        _exit(2);
    }
    for (int i = 0; i < 16; i++) g_out.gpr[i] = (uint64_t)g[map[i]];
    g_out.rflags = (uint64_t)g[REG_EFL];
    g_fault = sig == SIGFPE ? 0 : sig == SIGSEGV ? 13 : sig == SIGILL ? 6 : sig == SIGBUS ? 17 : 99;
    g[REG_RIP] = (greg_t)snippet_fault_return;
}

/* Run the current form on g_in + the data page and write one vector. */
static void vec(void) {
    static uint8_t mem_in[DATA_SIZE];
    uint8_t *data = (uint8_t *)DATA;
    memcpy(mem_in, data, DATA_SIZE);
    size_t n = (size_t)(cur->end - cur->start);
    uint8_t *code = (uint8_t *)CODE;
    memcpy(code, cur->start, n);
    static const uint8_t jmp[6] = {0xff, 0x25, 0, 0, 0, 0};
    memcpy(code + n, jmp, 6);
    uint64_t back = (uint64_t)snippet_return;
    memcpy(code + n + 6, &back, 8);
    __builtin___clear_cache((char *)code, (char *)code + n + 14);
    g_code = code;
    g_fault = -1;
    memset(&g_out, 0, sizeof g_out);
    run_snippet();

    FILE *f = out_for(cur->family);
    fprintf(f, "{\"f\":\"%s\",\"i\":{", cur->name);
    int any = state_diff(f, &defaults, &g_in, 0);
    mem_diff(f, mem_default, mem_in, "m", any);
    fprintf(f, "},\"o\":{");
    state_diff(f, &g_in, &g_out, 1);
    mem_diff(f, mem_in, data, "m", 1);
    fprintf(f, "}");
    if (g_fault >= 0) fprintf(f, ",\"x\":%d", g_fault);
    if (cur_fm >= 0 && cur_fm != cur->mask) fprintf(f, ",\"fm\":\"%x\"", cur_fm);
    if (cur_ur) fprintf(f, ",\"ur\":%s", cur_ur);
    if (cur_mm) fprintf(f, ",\"mm\":%s", cur_mm);
    fprintf(f, "}\n");
    nvectors++;
    /* the next vector starts from the defaults again */
    memcpy(data, mem_default, DATA_SIZE);
}

static void reset_in(void) {
    g_in = defaults;
    cur_fm = -1;
    cur_ur = NULL;
    cur_mm = NULL;
    memcpy((void *)DATA, mem_default, DATA_SIZE);
}

/* ---- value sets */
static const uint64_t EDGE[] = {0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff,
                                0x100000000ULL, 0x7fffffffffffffffULL, 0x8000000000000000ULL, 0xfffffffffffffffeULL, 0xffffffffffffffffULL};
#define NEDGE (sizeof EDGE / sizeof EDGE[0])
static uint64_t wmask(int w) { return w == 64 ? ~0ULL : (1ULL << w) - 1; }
/* value set for width w: edges masked to the width (deduplicated) plus random values */
static int values(int w, uint64_t *v, int nrand) {
    int n = 0;
    for (size_t i = 0; i < NEDGE; i++) {
        uint64_t x = EDGE[i] & wmask(w);
        int dup = 0;
        for (int j = 0; j < n; j++) dup |= v[j] == x;
        if (!dup) v[n++] = x;
    }
    uint64_t sm = wmask(w) >> 1; /* signed max and neighbours */
    uint64_t extra[] = {sm, sm + 1, sm - 1};
    for (int k = 0; k < 3; k++) {
        int dup = 0;
        for (int j = 0; j < n; j++) dup |= v[j] == extra[k];
        if (!dup) v[n++] = extra[k];
    }
    for (int i = 0; i < nrand; i++) v[n++] = rnd() & wmask(w);
    return n;
}
/* put a w-bit value in a register whose other bits hold random garbage */
static uint64_t with_garbage(uint64_t v, int w) { return (v & wmask(w)) | (rnd() & ~wmask(w)); }
#define STATUS 0x8d5

static void gen_bin(void) {
    uint64_t v[40];
    int w = cur->width, n = values(w, v, 4);
    int carry = (cur->mask & P_CARRY) != 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            for (int c = 0; c <= carry; c++) {
                if ((cur->param & (P_MEMDST | P_MEMSRC)) && ((i * n + j) % 3) != 0) continue;
                reset_in();
                g_in.rflags = carry ? (0x202 | (uint64_t)c | (((i + j) & 1) ? 0x8d4 : 0)) : (((i + j) & 1) ? 0x202 | STATUS : 0x202);
                if (cur->param & P_MEMDST) {
                    memcpy((void *)(DATA + 0x100), &v[i], 8);
                    g_in.gpr[RBX] = with_garbage(v[j], w);
                } else if (cur->param & P_MEMSRC) {
                    g_in.gpr[RAX] = with_garbage(v[i], w);
                    memcpy((void *)(DATA + 0x100), &v[j], 8);
                } else {
                    g_in.gpr[RAX] = with_garbage(v[i], w);
                    g_in.gpr[RBX] = with_garbage(v[j], w);
                }
                vec();
            }
}

static void gen_imm(void) {
    uint64_t v[40];
    int w = cur->width, n = values(w, v, 4);
    int reg = (cur->param & P_RBX) ? RBX : RAX;
    for (int i = 0; i < n; i++)
        for (int c = 0; c < 2; c++) {
            reset_in();
            g_in.rflags = 0x202 | (c ? STATUS : 0);
            g_in.gpr[reg] = with_garbage(v[i], w);
            vec();
        }
}

static void gen_un(void) {
    uint64_t v[40];
    int w = cur->width, n = values(w, v, 6);
    int reg = (cur->param & P_R9) ? R9 : RAX;
    for (int i = 0; i < n; i++)
        for (int c = 0; c < 2; c++) {
            reset_in();
            g_in.rflags = 0x202 | (c ? STATUS : 0);
            if (cur->param & P_MEMDST) memcpy((void *)(DATA + 0x100), &v[i], 8);
            else g_in.gpr[reg] = with_garbage(v[i], w);
            vec();
        }
}

/* Flags the SDM defines after a shift/rotate by `count` (already masked to 5 or 6 bits). */
static int shift_mask(int kind, int w, int count) {
    if (count == 0) return STATUS; /* flags unchanged: all compared */
    int m;
    switch (kind) {
    case K_SHL: case K_SHR: case K_SAR: case K_SHLD: case K_SHRD:
        m = 0x0c5;                           /* SF ZF PF CF */
        if (count == 1) m |= 0x800;
        if ((kind == K_SHL || kind == K_SHR) && count >= w) m &= ~0x001; /* CF undefined when count >= width */
        if ((kind == K_SHLD || kind == K_SHRD) && count > w) m = 0; /* result and flags undefined */
        return m;
    case K_ROL: case K_ROR:
        m = 0x001 | 0x0d4;                   /* CF; SF ZF AF PF unaffected */
        if (count == 1) m |= 0x800;
        return m;
    default:                                 /* RCL RCR */
        m = 0x001 | 0x0d4;
        if (count == 1) m |= 0x800;
        return m;
    }
}

static void gen_shift(void) {
    uint64_t v[40];
    int w = cur->width, n = values(w, v, 3);
    int kind = KIND(cur->param);
    static const int counts[] = {0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 48, 63, 64, 65, 255};
    int ncounts = sizeof counts / sizeof counts[0];
    for (int i = 0; i < n; i++)
        for (int k = 0; k < ncounts; k++)
            for (int c = 0; c < 2; c++) {
                int cnt = counts[k];
                if (cur->param & (P_ONE | P_IMM7)) {
                    if (k > 0) continue;
                    cnt = (cur->param & P_ONE) ? 1 : 7;
                }
                int masked = cnt & (w == 64 ? 63 : 31);
                reset_in();
                g_in.rflags = 0x202 | (c ? STATUS : 0);
                if (cur->param & P_MEMDST) memcpy((void *)(DATA + 0x100), &v[i], 8);
                else g_in.gpr[RAX] = with_garbage(v[i], w);
                g_in.gpr[RCX] = with_garbage((uint64_t)cnt, 8);
                cur_fm = shift_mask(kind, w, masked);
                vec();
            }
}

static void gen_shiftd(void) {
    uint64_t v[40];
    int w = cur->width, n = values(w, v, 2);
    int kind = KIND(cur->param);
    static const int counts[] = {0, 1, 4, 15, 16, 17, 31, 32, 33, 63, 64};
    for (int i = 0; i < n; i += 1)
        for (int j = 0; j < n; j += 3)
            for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++) {
                int cnt = (cur->param & P_IMM13) ? 13 : counts[k];
                if ((cur->param & P_IMM13) && k > 0) continue;
                int masked = cnt & (w == 64 ? 63 : 31);
                if (w == 16 && masked > 16) continue; /* result undefined */
                reset_in();
                g_in.rflags = 0x202 | (((i + j + (int)k) & 1) ? STATUS : 0);
                g_in.gpr[RAX] = with_garbage(v[i], w);
                g_in.gpr[RBX] = with_garbage(v[j], w);
                g_in.gpr[RCX] = with_garbage((uint64_t)cnt, 8);
                cur_fm = shift_mask(kind, w, masked);
                vec();
            }
}

static void gen_mul(void) {
    uint64_t v[40];
    int w = cur->width, n = values(w, v, 4);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            reset_in();
            g_in.rflags = 0x202 | (((i + j) & 1) ? STATUS : 0);
            g_in.gpr[RAX] = with_garbage(v[i], w);
            g_in.gpr[RBX] = with_garbage(v[j], w);
            if (cur->param & P_MEMSRC) memcpy((void *)(DATA + 0x100), &v[j], 8);
            vec();
        }
}

static void gen_div(void) {
    uint64_t v[40];
    int w = cur->width, n = values(w, v, 4);
    for (int i = 0; i < n; i++)          /* divisor */
        for (int j = 0; j < n; j++)      /* low half of the dividend */
            for (int h = 0; h < 4; h++) { /* high half: 0, all ones, small, random */
                uint64_t hi = h == 0 ? 0 : h == 1 ? wmask(w) : h == 2 ? 1 : rnd() & wmask(w);
                if (h == 3 && (j & 3)) continue;
                reset_in();
                g_in.rflags = 0x202 | ((j & 1) ? STATUS : 0);
                if (w == 8) {
                    g_in.gpr[RAX] = with_garbage((hi & 0xff) << 8 | v[j], 16);
                } else {
                    g_in.gpr[RAX] = with_garbage(v[j], w);
                    g_in.gpr[RDX] = with_garbage(hi, w);
                }
                g_in.gpr[RBX] = with_garbage(v[i], w);
                if (cur->param & P_MEMSRC) memcpy((void *)(DATA + 0x100), &v[i], 8);
                cur_fm = 0;
                vec();
            }
}

static void gen_bt(void) {
    uint64_t v[40];
    int w = cur->width, n = values(w, v, 2);
    static const int64_t offs[] = {0, 1, 7, 15, 16, 31, 32, 63, 64, 100, -1, -9, -64, 1000};
    for (int i = 0; i < n; i++)
        for (size_t k = 0; k < sizeof offs / sizeof offs[0]; k++) {
            reset_in();
            g_in.rflags = 0x202 | (((i + (int)k) & 1) ? STATUS : 0);
            if (cur->param & P_MEMDST) {
                /* bit string from rsi (mid-page): the offset reaches other bytes of the page */
                g_in.gpr[RSI] = DATA + 0x800;
                for (int b = 0; b < 16; b++) ((uint64_t *)(DATA + 0x7c0))[b] = rnd();
                g_in.gpr[RBX] = w == 64 ? (uint64_t)offs[k] : with_garbage((uint64_t)offs[k], w);
            } else {
                g_in.gpr[RAX] = with_garbage(v[i], w);
                g_in.gpr[RBX] = with_garbage((uint64_t)offs[k], w);
            }
            vec();
            if (cur->param & P_MEMDST) { /* memory reset by vec() */ }
        }
}

static void gen_bsf(void) {
    uint64_t v[40];
    int w = cur->width, n = values(w, v, 8);
    for (int i = 0; i < n; i++)
        for (int c = 0; c < 2; c++) {
            reset_in();
            g_in.rflags = 0x202 | (c ? STATUS : 0);
            g_in.gpr[RBX] = with_garbage(v[i], w);
            if ((v[i] & wmask(w)) == 0) cur_ur = "[\"rax\"]"; /* destination undefined for a zero source */
            vec();
        }
}

static void gen_movx(void) {
    uint64_t v[40];
    int w = cur->width, n = values(w, v, 4);
    for (int i = 0; i < n; i++) {
        reset_in();
        g_in.gpr[RBX] = with_garbage(v[i], w);
        if (cur->param & P_MEMSRC) memcpy((void *)(DATA + 0x100), &v[i], 8);
        vec();
    }
}

static void gen_cond(void) {
    /* every combination of OF SF ZF PF CF */
    static const uint64_t bits[] = {0x800, 0x80, 0x40, 0x4, 0x1};
    for (int m = 0; m < 32; m++) {
        reset_in();
        uint64_t fl = 0x202;
        for (int b = 0; b < 5; b++) if (m & (1 << b)) fl |= bits[b];
        g_in.rflags = fl;
        g_in.gpr[RAX] = rnd();
        g_in.gpr[RBX] = rnd();
        if (cur->param & P_MEMSRC) { uint64_t x = rnd(); memcpy((void *)(DATA + 0x100), &x, 8); }
        vec();
    }
}

static void gen_conv(void) {
    uint64_t v[40];
    int n = values(64, v, 6);
    for (int i = 0; i < n; i++) {
        reset_in();
        g_in.gpr[RAX] = v[i];
        g_in.gpr[RDX] = rnd();
        vec();
    }
}

static void gen_cmpxchg(void) {
    uint64_t v[40];
    int w = cur->width, n = values(w, v, 2);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j += 2)
            for (int eq = 0; eq < 2; eq++) {
                reset_in();
                g_in.rflags = 0x202 | (((i + j) & 1) ? STATUS : 0);
                uint64_t dst = eq ? v[i] : v[j];
                g_in.gpr[RAX] = with_garbage(v[i], w);
                g_in.gpr[RCX] = rnd();
                if (cur->param & P_MEMDST) memcpy((void *)(DATA + 0x100), &dst, 8);
                else g_in.gpr[RBX] = with_garbage(dst, w);
                vec();
            }
}

static void gen_cx16(void) {
    for (int k = 0; k < 40; k++) {
        reset_in();
        g_in.rflags = 0x202 | ((k & 2) ? STATUS : 0);
        uint64_t m0 = rnd(), m1 = rnd();
        if (k & 1) { g_in.gpr[RAX] = m0; g_in.gpr[RDX] = (k & 4) ? m1 : m1 ^ 1; }
        else { g_in.gpr[RAX] = rnd(); g_in.gpr[RDX] = m1; }
        g_in.gpr[RBX] = rnd();
        g_in.gpr[RCX] = rnd();
        memcpy((void *)(DATA + 0x100), &m0, 8);
        memcpy((void *)(DATA + 0x108), &m1, 8);
        vec();
    }
}

static void gen_lea(void) {
    uint64_t v[40];
    int n = values(64, v, 2);
    for (int i = 0; i < n; i += 2)
        for (int j = 0; j < n; j += 2) {
            reset_in();
            g_in.gpr[RAX] = v[i];
            g_in.gpr[RBX] = v[j];
            vec();
        }
}

static void gen_str(void) {
    int size = cur->param & 0xf;
    int rep = (cur->param & (P_REP | P_REPNE)) != 0;
    static const uint64_t counts[] = {0, 1, 2, 5, 17, 64};
    for (size_t k = 0; k < (rep ? sizeof counts / sizeof counts[0] : 1); k++)
        for (int df = 0; df < 2; df++)
            for (int variant = 0; variant < 3; variant++) {
                reset_in();
                uint8_t *d = (uint8_t *)DATA;
                for (int b = 0; b < 0x300; b++) d[0x100 + b] = (uint8_t)(b * 7 + 1);
                /* the destination area starts as a copy of the source so compares run on;
                   variant 1 plants a difference at element 3, variant 2 at the first element */
                memcpy(d + 0x400, d + 0x100, 0x300);
                int diff_at = variant == 0 ? -1 : variant == 1 ? 3 : 0;
                uint64_t rsi = df ? DATA + 0x100 + 0x200 : DATA + 0x100;
                uint64_t rdi = df ? DATA + 0x400 + 0x200 : DATA + 0x400;
                if (diff_at >= 0) {
                    int64_t off = df ? -diff_at * size : diff_at * size;
                    *(uint8_t *)(rdi + (uint64_t)off) ^= 0x5a;
                }
                g_in.gpr[RSI] = rsi;
                g_in.gpr[RDI] = rdi;
                g_in.gpr[RCX] = rep ? counts[k] : rnd();
                /* scas compares rax with [rdi]: give it the first element, or something else */
                uint64_t first;
                memcpy(&first, (void *)rdi, 8);
                g_in.gpr[RAX] = variant == 0 ? with_garbage(first, size * 8) : rnd();
                g_in.rflags = 0x202 | (df ? 0x400 : 0) | ((variant & 1) ? STATUS : 0);
                vec();
            }
}

/* ---- SSE */
static void rand_xmm(uint8_t *x) {
    for (int i = 0; i < 16; i += 8) { uint64_t r = rnd(); memcpy(x + i, &r, 8); }
}
static void edge_xmm(uint8_t *x, int k) {
    static const uint8_t pat[] = {0x00, 0xff, 0x80, 0x7f, 0x01, 0xfe};
    for (int i = 0; i < 16; i++) x[i] = (k < 6) ? pat[k] : (uint8_t)rnd();
    if (k >= 6 && k < 10) for (int i = 0; i < 16; i++) x[i] = pat[(i + k) % 6];
}

static void gen_xmov(void) {
    for (int k = 0; k < 24; k++) {
        reset_in();
        rand_xmm(g_in.xmm[0]);
        rand_xmm(g_in.xmm[1]);
        rand_xmm(g_in.xmm[8]);
        rand_xmm(g_in.xmm[9]);
        g_in.gpr[RAX] = rnd();
        g_in.gpr[RBX] = rnd();
        for (int b = 0; b < 32; b += 8) { uint64_t r = rnd(); memcpy((void *)(DATA + 0x100 + b), &r, 8); }
        vec();
    }
}

static void gen_xmm(void) {
    for (int a = 0; a < 14; a++)
        for (int b = 0; b < 14; b++) {
            if (a >= 10 && b >= 10 && ((a + b) & 1)) continue;
            reset_in();
            edge_xmm(g_in.xmm[0], a);
            edge_xmm(g_in.xmm[1], b);
            /* shift-by-xmm counts: small, width-sized and huge counts in the low quadword */
            if (strstr(cur->name, "psll") || strstr(cur->name, "psrl") || strstr(cur->name, "psra")) {
                static const uint64_t cnt[] = {0, 1, 3, 7, 8, 15, 16, 17, 31, 32, 63, 64, 65, 0x100000000ULL};
                uint64_t c = cnt[b];
                memcpy(g_in.xmm[1], &c, 8);
            }
            if (cur->param & P_MEMSRC) memcpy((void *)(DATA + 0x100), g_in.xmm[1], 16);
            vec();
        }
}

/* double and float edge values: zeros, ones, fractions that round, extremes, denormals, infinities, NaNs */
static const uint64_t FP64[] = {
    0x0000000000000000ULL, 0x8000000000000000ULL, 0x3ff0000000000000ULL, 0xbff0000000000000ULL,
    0x3ff8000000000000ULL, 0x4004000000000000ULL, 0xc004000000000000ULL, 0x3fb999999999999aULL,
    0x3fd5555555555555ULL, 0x7fefffffffffffffULL, 0xffefffffffffffffULL, 0x0010000000000000ULL,
    0x0000000000000001ULL, 0x000fffffffffffffULL, 0x800fffffffffffffULL, 0x7ff0000000000000ULL,
    0xfff0000000000000ULL, 0x7ff8000000000000ULL, 0xfff8000000000000ULL, 0x7ff4000000000001ULL,
    0x7ff8000000000123ULL, 0x43e0000000000000ULL, 0xc3e0000000000000ULL, 0x41e0000000000000ULL,
    0xc1e0000000100000ULL, 0x4415af1d78b58c40ULL, 0x3fe0000000000000ULL, 0xbfe8000000000000ULL,
    0x4330000000000001ULL, 0x3ca0000000000000ULL,
    0x380fffffff800000ULL /* just below the smallest float normal: tiny before rounding to float, not after */};
#define NFP64 (sizeof FP64 / sizeof FP64[0])
static const uint32_t FP32[] = {
    0x00000000, 0x80000000, 0x3f800000, 0xbf800000, 0x3fc00000, 0x40200000, 0xc0200000, 0x3dcccccd,
    0x3eaaaaab, 0x7f7fffff, 0xff7fffff, 0x00800000, 0x00000001, 0x007fffff, 0x807fffff, 0x7f800000,
    0xff800000, 0x7fc00000, 0xffc00000, 0x7fa00001, 0x7fc00123, 0x5f000000, 0xdf000000, 0x4f000000,
    0xcf000001, 0x3f000000, 0xbf400000, 0x4b800001, 0x33800000, 0x4effffff};
#define NFP32 (sizeof FP32 / sizeof FP32[0])

static void set_fp(uint8_t *x, int w, int k) {
    rand_xmm(x); /* upper lanes: garbage that scalar ops must keep */
    if (w == 64) memcpy(x, &FP64[k], 8);
    else memcpy(x, &FP32[k], 4);
}

static void gen_fp(void) {
    int w = cur->width;
    int n = w == 64 ? (int)NFP64 : (int)NFP32;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            for (int rc = 0; rc < 4; rc++) {
                /* round-to-nearest for every pair; the other modes (and DAZ|FTZ) on a sample */
                if ((i * 3 + j) % 2) continue;
                if (rc && ((i * 7 + j * 3 + rc) % 5)) continue;
                reset_in();
                set_fp(g_in.xmm[0], w, i);
                set_fp(g_in.xmm[1], w, j);
                g_in.mxcsr = 0x1f80 | (uint32_t)(rc << 13);
                /* DAZ alone, FTZ alone and both, on a sample; and flags already set (they are sticky) */
                if ((i + j) % 2) g_in.mxcsr |= rc == 1 ? 0x0040 : rc == 2 ? 0x8000 : rc == 3 ? 0x8040 : 0;
                if (rc == 0 && (i + j) % 7 == 3) g_in.mxcsr |= 0x003f;
                if (rc == 0 && (i * 5 + j) % 11 == 4) g_in.mxcsr |= 0x8040;
                if (cur->param & P_MEMSRC) memcpy((void *)(DATA + 0x100), g_in.xmm[1], 8);
                g_in.rflags = 0x202 | (((i + j) & 1) ? STATUS : 0);
                vec();
            }
}

static void gen_i2f(void) {
    uint64_t v[40];
    int w = cur->width, n = values(w, v, 8);
    for (int i = 0; i < n; i++)
        for (int rc = 0; rc < 4; rc++) {
            reset_in();
            rand_xmm(g_in.xmm[0]);
            g_in.gpr[RBX] = with_garbage(v[i], w);
            g_in.mxcsr = 0x1f80 | (uint32_t)(rc << 13);
            vec();
        }
}

static void gen_f2i(void) {
    int w = cur->width;
    int n = w == 64 ? (int)NFP64 : (int)NFP32;
    for (int i = 0; i < n; i++)
        for (int rc = 0; rc < 5; rc++) {
            reset_in();
            set_fp(g_in.xmm[1], w, i);
            g_in.gpr[RAX] = rnd();
            /* rc 4: round to nearest with DAZ */
            g_in.mxcsr = rc == 4 ? 0x1fc0 : 0x1f80 | (uint32_t)(rc << 13);
            vec();
        }
}

/* ---- x87: 80-bit operands built from doubles plus values only the extended format holds */
struct f80 { uint64_t m; uint16_t se; };
static struct f80 from_double(uint64_t d) {
    uint64_t s = d >> 63, e = (d >> 52) & 0x7ff, f = d & 0xfffffffffffffULL;
    struct f80 r;
    if (e == 0x7ff) { r.se = (uint16_t)(s << 15 | 0x7fff); r.m = 0x8000000000000000ULL | f << 11; }
    else if (e == 0 && f == 0) { r.se = (uint16_t)(s << 15); r.m = 0; }
    else if (e == 0) { /* double denormal (f * 2^-1074): normalise so the integer bit is bit 63 */
        int clz = __builtin_clzll(f);
        r.m = f << clz;
        r.se = (uint16_t)(s << 15 | (uint16_t)(16383 + 63 - 1074 - clz));
    } else { r.se = (uint16_t)(s << 15 | (e - 1023 + 16383)); r.m = 0x8000000000000000ULL | f << 11; }
    return r;
}
static const struct f80 EXT[] = {
    {0x8000000000000001ULL, 0x3fff},       /* 1 + 2^-63 */
    {0xffffffffffffffffULL, 0x7ffe},       /* largest finite */
    {0x0000000000000001ULL, 0x0000},       /* smallest denormal */
    {0x8000000000000000ULL, 0x0001},       /* smallest normal */
    {0xc000000000000000ULL, 0x7fff},       /* default QNaN (positive) */
    {0xaaaaaaaaaaaaaaabULL, 0x3ffd},       /* 1/3 rounded to 64 bits */
    {0x8000000000000400ULL, 0x403e},       /* 2^63 + 1024 */
    {0xfffffffffffff800ULL, 0x403d},       /* just below 2^63 */
};

static void put80(uint64_t addr, struct f80 v) {
    memcpy((void *)addr, &v.m, 8);
    memcpy((void *)(addr + 8), &v.se, 2);
}

static struct f80 x87_value(int k) {
    int nd = (int)NFP64;
    if (k < nd) return from_double(FP64[k]);
    return EXT[k - nd];
}
#define NX87 ((int)NFP64 + (int)(sizeof EXT / sizeof EXT[0]))

static void gen_x87(void) {
    int binary = strstr(cur->body, "16(%rsi)") != NULL;
    int m64 = cur->width == 64;
    int load = strstr(cur->name, "fldl") != NULL; /* only the m64 operand at rsi+16 matters */
    for (int i = 0; i < (load ? 1 : NX87); i++)
        for (int j = 0; j < (load ? (int)NFP64 : binary ? NX87 : 1); j++)
            for (int rc = 0; rc < 4; rc++) {
                if (binary && !load && (i + 2 * j) % 3) continue;
                if (binary && rc && ((i * 5 + j * 3 + rc) % 7)) continue;
                if (!binary && rc && cur->param != P_X87FLAGS && !strstr(cur->name, "fist") && !strstr(cur->name, "fst") && !strstr(cur->name, "fsqrt") && !strstr(cur->name, "frndint")) continue;
                reset_in();
                put80(DATA + 0x100, x87_value(i));
                if (binary) {
                    if (m64) {
                        uint64_t d = FP64[j % NFP64];
                        memcpy((void *)(DATA + 0x110), &d, 8);
                    } else put80(DATA + 0x110, x87_value(j));
                }
                uint16_t cw = (uint16_t)(0x37f | rc << 10);
                /* precision control 24 and 53 bits on a sample of the binary forms */
                if (binary && (i + j) % 4 == 1) cw &= (uint16_t)~0x300;
                if (binary && (i + j) % 4 == 2) cw &= (uint16_t)~0x100;
                memcpy((void *)(DATA + 0x140), &cw, 2);
                /* the status word: exception flags, ES, B, TOP and C1 (round-up) are defined; C0, C2, C3 are
                   not, except after fucomi (not affected: still clear from fninit) */
                cur_mm = cur->param == P_X87FLAGS ? NULL : "[[304,\"ffba\"]]";
                vec();
            }
}

static void gen_x87i(void) {
    uint64_t v[40];
    int w = cur->width, n = values(w, v, 4);
    for (int i = 0; i < n; i++) {
        reset_in();
        memcpy((void *)(DATA + 0x100), &v[i], 8);
        uint16_t cw = 0x37f;
        memcpy((void *)(DATA + 0x140), &cw, 2);
        cur_mm = "[[304,\"ffba\"]]";
        vec();
    }
}

/* ---- files */
static const char *outdir;
static struct { const char *family; FILE *f; } files[16];
static FILE *out_for(const char *family) {
    for (int i = 0; i < 16; i++) {
        if (files[i].family && !strcmp(files[i].family, family)) return files[i].f;
        if (!files[i].family) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s.jsonl", outdir, family);
            FILE *f = fopen(path, "w");
            if (!f) { perror(path); exit(1); }
            /* header: layout and defaults */
            fprintf(f, "{\"header\":{\"family\":\"%s\",\"code\":\"%lx\",\"data\":\"%lx\",\"dataSize\":%d,\"stack\":\"%lx\",\"stackSize\":%d,\"gpr\":{",
                    family, CODE, DATA, DATA_SIZE, STACK, STACK_SIZE);
            for (int r = 0; r < 16; r++) fprintf(f, "%s\"%s\":\"%llx\"", r ? "," : "", GPR[r], (unsigned long long)defaults.gpr[r]);
            fprintf(f, "},\"fl\":\"%llx\",\"mx\":\"%x\",\"xmm\":[", (unsigned long long)defaults.rflags, defaults.mxcsr);
            for (int r = 0; r < 16; r++) { fprintf(f, "%s\"", r ? "," : ""); hexx(f, defaults.xmm[r]); fprintf(f, "\""); }
            fprintf(f, "],\"x87\":\"fninit state (FCW 0x37f, empty stack)\",\"forms\":[");
            int first = 1;
            for (size_t k = 0; k < NFORMS; k++) {
                if (strcmp(family_of(forms[k].gen), family)) continue;
                fprintf(f, "%s{\"name\":\"%s\",\"asm\":\"%s\",\"code\":\"", first ? "" : ",", forms[k].name, forms[k].body);
                hex(f, forms[k].start, (size_t)(forms[k].end - forms[k].start));
                fprintf(f, "\",\"fm\":\"%x\"}", forms[k].mask & 0xfff);
                first = 0;
            }
            fprintf(f, "]}}\n");
            files[i].family = family;
            files[i].f = f;
            return f;
        }
    }
    abort();
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: gen OUTDIR\n"); return 2; }
    outdir = argv[1];
    if (mmap((void *)DATA, DATA_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) != (void *)DATA ||
        mmap((void *)STACK, STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) != (void *)STACK ||
        mmap((void *)CODE, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) != (void *)CODE) {
        perror("gen: mmap at the fixed addresses");
        return 1;
    }
    static uint8_t altstack[65536];
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
    sigaltstack(&ss, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigaction(SIGFPE, &sa, NULL);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGILL, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    init_defaults();
    for (size_t k = 0; k < NFORMS; k++) {
        forms[k].family = family_of(forms[k].gen);
        /* the masks in forms.h mix flags with parameter bits (P_CARRY): split them */
        cur = &forms[k];
        out_for(cur->family);
    }
    for (size_t k = 0; k < NFORMS; k++) {
        cur = &forms[k];
        switch (cur->gen) {
        case G_BIN: gen_bin(); break;
        case G_IMM: gen_imm(); break;
        case G_UN: gen_un(); break;
        case G_SHIFT: gen_shift(); break;
        case G_SHIFTD: gen_shiftd(); break;
        case G_MUL: gen_mul(); break;
        case G_DIV: gen_div(); break;
        case G_BT: gen_bt(); break;
        case G_BSF: gen_bsf(); break;
        case G_MOVX: gen_movx(); break;
        case G_COND: gen_cond(); break;
        case G_CONV: gen_conv(); break;
        case G_CMPXCHG: gen_cmpxchg(); break;
        case G_CX16: gen_cx16(); break;
        case G_LEA: gen_lea(); break;
        case G_STR: gen_str(); break;
        case G_XMOV: gen_xmov(); break;
        case G_XMM: gen_xmm(); break;
        case G_FP: gen_fp(); break;
        case G_I2F: gen_i2f(); break;
        case G_F2I: gen_f2i(); break;
        case G_X87: gen_x87(); break;
        case G_X87I: gen_x87i(); break;
        }
    }
    for (int i = 0; i < 16; i++) if (files[i].f) fclose(files[i].f);
    fprintf(stderr, "gen: %zu forms, %ld vectors\n", NFORMS, nvectors);
    return 0;
}
