// The CPU that CPUID describes: a GenuineIntel family 6 model 0x3a part with the SSE2 baseline (no SSE3+,
// no AVX, no OSXSAVE, no HTT, no hypervisor bit) and Intel cache leaves 2 and 4, so that glibc picks its
// baseline string functions and sizes its copy thresholds from real cache sizes (docs/emulator.md).

/** [eax, ebx, ecx, edx] for leaf/subleaf. */
export function cpuid(leaf: number, sub: number): [number, number, number, number] {
  switch (leaf >>> 0) {
    case 0:
      return [4, 0x756e6547, 0x6c65746e, 0x49656e69]; // "GenuineIntel"
    case 1:
      // family 6 model 0x3a stepping 0; CLFLUSH line 64 B; EDX: FPU TSC MSR PAE CX8 CMOV CLFSH MMX FXSR SSE SSE2
      return [0x000306a0, 0x00000800, 0, 0x07888171];
    case 2:
      return [0x76035a01, 0x00f0b0ff, 0, 0x00ca0000];
    case 4:
      switch (sub) {
        case 0: return [0x1c004121, 0x01c0003f, 0x0000003f, 0]; // L1D 32 KiB
        case 1: return [0x1c004122, 0x01c0003f, 0x0000003f, 0]; // L1I 32 KiB
        case 2: return [0x1c004143, 0x01c0003f, 0x000001ff, 0]; // L2 256 KiB
        case 3: return [0x1c03c163, 0x03c0003f, 0x00001fff, 0x00000006]; // L3 8 MiB
        default: return [0, 0, 0, 0];
      }
    case 0x80000000:
      return [0x80000008, 0, 0, 0];
    case 0x80000001:
      return [0, 0, 0x00000001, 0x20100800]; // LAHF/SAHF; SYSCALL NX LM
    case 0x80000008:
      return [0x00003028, 0, 0, 0]; // 40-bit physical, 48-bit linear addresses
    default:
      return [0, 0, 0, 0];
  }
}
