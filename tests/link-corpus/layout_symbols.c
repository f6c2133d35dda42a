/* Linker-defined symbols and layout facts that hold for any correct static link: __ehdr_start is the ELF
   header and its program headers are those the kernel reported (AT_PHDR/AT_PHNUM); _etext/_edata/__bss_start/_end
   ordering; dl_iterate_phdr in a static program; PT_GNU_RELRO really read-only at run time (glibc applies it);
   large and page-aligned .bss/.data objects; .data.rel.ro; the program break starts past _end. */
#define _GNU_SOURCE
#include <elf.h>
#include <link.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

extern const ElfW(Ehdr) __ehdr_start;
extern char __executable_start[], _etext[], etext[], _edata[], edata[], __bss_start[], _end[], end[];
extern void (*__init_array_start[])(void), (*__init_array_end[])(void);

static char big_bss[64 << 20];                               /* 64 MiB of .bss */
static char page_bss[4096] __attribute__((aligned(4096)));
static int page_data[1024] __attribute__((aligned(4096))) = { 1, 2, 3 };
static long big_data[20000] = { [0] = 7, [19999] = 9 };      /* 160 KB .data */
static const char *const relro_table[] = { "alpha", "beta", "gamma" }; /* .data.rel.ro in PIE code */
static volatile int tls_pt, loads, exec_loads, main_in_exec;

static int phdr_cb(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size; (void)data;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *p = &info->dlpi_phdr[i];
    if (p->p_type == PT_TLS) tls_pt++;
    if (p->p_type == PT_LOAD) {
      loads++;
      uintptr_t a = info->dlpi_addr + p->p_vaddr;
      if (p->p_flags & PF_X) {
        exec_loads++;
        if ((uintptr_t)&phdr_cb >= a && (uintptr_t)&phdr_cb < a + p->p_memsz) main_in_exec = 1;
      }
    }
  }
  return 0;
}

static sigjmp_buf jb;
static void on_segv(int sig) { (void)sig; siglongjmp(jb, 1); }

int main(void) {
  printf("ehdr magic ok: %d, type EXEC: %d, machine x86-64: %d\n", memcmp(__ehdr_start.e_ident, ELFMAG, SELFMAG) == 0,
         __ehdr_start.e_type == ET_EXEC, __ehdr_start.e_machine == EM_X86_64);
  const ElfW(Phdr) *ph = (const ElfW(Phdr) *)((const char *)&__ehdr_start + __ehdr_start.e_phoff);
  printf("phdrs at AT_PHDR: %d, e_phnum == AT_PHNUM: %d, __executable_start == __ehdr_start: %d\n", (uintptr_t)ph == getauxval(AT_PHDR),
         __ehdr_start.e_phnum == getauxval(AT_PHNUM), (void *)__executable_start == (void *)&__ehdr_start);
  printf("entry is _start-like: %d\n", __ehdr_start.e_entry == getauxval(AT_ENTRY));
  printf("order: main < _etext: %d, etext == _etext: %d, _etext <= _edata: %d, _edata <= __bss_start: %d, __bss_start <= _end: %d\n",
         (char *)main < _etext, etext == _etext, _etext <= _edata, _edata <= __bss_start, __bss_start <= _end);
  printf("edata == _edata: %d, end == _end: %d, big_bss inside [__bss_start, _end): %d, big_data below _edata: %d\n", edata == _edata,
         end == _end, big_bss >= __bss_start && big_bss + sizeof big_bss <= _end, (char *)(big_data + 20000) <= _edata);
  printf("sbrk(0) >= _end: %d\n", (char *)sbrk(0) >= _end);
  printf("init_array entries: %td\n", __init_array_end - __init_array_start);
  big_bss[0] = 1; big_bss[sizeof big_bss - 1] = 2; page_bss[100] = 3;
  printf("big bss zero in the middle: %d, page alignment bss/data: %d %d, data %d %d %ld %ld\n", big_bss[32 << 20] == 0,
         ((uintptr_t)page_bss & 4095) == 0, ((uintptr_t)page_data & 4095) == 0, page_data[1], page_data[1023], big_data[0], big_data[19999]);
  dl_iterate_phdr(phdr_cb, NULL);
  printf("dl_iterate_phdr: PT_TLS %d, has PT_LOAD %d, has exec PT_LOAD %d, code inside an exec PT_LOAD %d\n", tls_pt, loads > 0, exec_loads > 0, main_in_exec);
  signal(SIGSEGV, on_segv);
  const char *volatile *slot = (const char *volatile *)&relro_table[1];
  int writable;
  if (sigsetjmp(jb, 1) == 0) { *slot = "changed"; writable = 1; } else writable = 0;
  printf("relro_table[1] = %s, writable after start-up: %d\n", relro_table[1], writable);
  return 0;
}
