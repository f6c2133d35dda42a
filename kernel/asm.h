#define KERNEL_CS 0x08
#define KERNEL_DS 0x10
#define TSS_SEL 0x18
