/* The console: a 16550 UART at 0x3f8, polled (no interrupts), and a small printf for the kernel's
 * own messages (strace lines, fault reports). */
#include "ukl.h"
#include <stdarg.h>

#define COM1 0x3f8

void ukl_uart_init(void) {
	ukl_outb(COM1 + 1, 0x00);	/* no interrupts */
	ukl_outb(COM1 + 3, 0x80);	/* DLAB */
	ukl_outb(COM1 + 0, 0x01);	/* 115200 baud */
	ukl_outb(COM1 + 1, 0x00);
	ukl_outb(COM1 + 3, 0x03);	/* 8N1 */
	/* FCR is left alone: toggling the FIFO enable clears the receive FIFO, and input may already be
	 * waiting there (QEMU holds further input back until the UART can take it). */
	ukl_outb(COM1 + 4, 0x03);	/* DTR, RTS */
}

void ukl_uart_putc(char c) {
	while (!(ukl_inb(COM1 + 5) & 0x20)) ukl_pause();
	ukl_outb(COM1, (u8)c);
}

void ukl_uart_write(const char *s, size_t n) {
	for (size_t i = 0; i < n; i++) ukl_uart_putc(s[i]);
}

/* Wait until the UART has sent everything (LSR.TEMT): QEMU may still hold the last byte when its host
 * side is slow to take it, and an exit right after the write would lose it. Bounded, never a hang. */
void ukl_uart_flush(void) {
	for (u64 i = 0; i < 100000000UL && !(ukl_inb(COM1 + 5) & 0x40); i++) ukl_pause();
}

int ukl_uart_ready(void) { return ukl_inb(COM1 + 5) & 0x01; }

int ukl_uart_getc(void) {
	while (!ukl_uart_ready()) ukl_pause();
	return ukl_inb(COM1);
}

static void put_num(u64 v, int base, int width, char pad, int neg) {
	char buf[24];
	int n = 0;
	do { buf[n++] = "0123456789abcdef"[v % base]; v /= base; } while (v);
	if (neg) buf[n++] = '-';
	while (n < width) { ukl_uart_putc(pad); width--; }
	while (n) ukl_uart_putc(buf[--n]);
}

void ukl_printf(const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	for (; *fmt; fmt++) {
		if (*fmt != '%') { ukl_uart_putc(*fmt); continue; }
		fmt++;
		char pad = ' ';
		int width = 0, lng = 0;
		if (*fmt == '0') { pad = '0'; fmt++; }
		while (*fmt >= '0' && *fmt <= '9') width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l') { lng = 1; fmt++; }
		switch (*fmt) {
		case 'd': {
			i64 v = lng ? va_arg(ap, i64) : va_arg(ap, int);
			put_num(v < 0 ? -(u64)v : (u64)v, 10, width, pad, v < 0);
			break;
		}
		case 'u': put_num(lng ? va_arg(ap, u64) : va_arg(ap, unsigned), 10, width, pad, 0); break;
		case 'x': put_num(lng ? va_arg(ap, u64) : va_arg(ap, unsigned), 16, width, pad, 0); break;
		case 'p': ukl_uart_write("0x", 2); put_num(va_arg(ap, u64), 16, width, pad, 0); break;
		case 's': { const char *s = va_arg(ap, const char *); ukl_uart_write(s ? s : "(null)", ukl_strlen(s ? s : "(null)")); break; }
		case 'c': ukl_uart_putc((char)va_arg(ap, int)); break;
		case '%': ukl_uart_putc('%'); break;
		default: ukl_uart_putc('%'); ukl_uart_putc(*fmt); break;
		}
	}
	va_end(ap);
}
