/* The PVH entry note: name "Xen", type 18 (XEN_ELFNOTE_PHYS32_ENTRY), an 8-byte descriptor as
   Linux emits it (QEMU reads a size_t for an ELF64). */
    .section .note.Xen, "a", @note
    .p2align 2
    .long 4, 8, 18
    .asciz "Xen"
    .quad pvh_start

    .section .note.GNU-stack, "", @progbits
