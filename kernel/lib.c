/* The few string routines the kernel needs. The build renames gcc's implicit memcpy/memset calls to
 * these (objcopy --redefine-sym), so the kernel never calls glibc (whose versions are IFUNCs). */
#include "ukl.h"

void *ukl_memcpy(void *d, const void *s, size_t n) {
	void *r = d;
	__asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
	return r;
}
void *ukl_memset(void *d, int c, size_t n) {
	void *r = d;
	__asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
	return r;
}
void *ukl_memmove(void *d, const void *s, size_t n) {
	u8 *dp = d;
	const u8 *sp = s;
	if (dp <= sp || dp >= sp + n) {
		for (size_t i = 0; i < n; i++) dp[i] = sp[i];
	} else {
		for (size_t i = n; i > 0; i--) dp[i - 1] = sp[i - 1];
	}
	return d;
}
int ukl_memcmp(const void *a, const void *b, size_t n) {
	const u8 *x = a, *y = b;
	for (size_t i = 0; i < n; i++) if (x[i] != y[i]) return x[i] - y[i];
	return 0;
}
size_t ukl_strlen(const char *s) { size_t n = 0; while (s[n]) n++; return n; }
int ukl_strcmp(const char *a, const char *b) {
	while (*a && *a == *b) { a++; b++; }
	return (u8)*a - (u8)*b;
}
int ukl_strncmp(const char *a, const char *b, size_t n) {
	for (size_t i = 0; i < n; i++) {
		if (a[i] != b[i]) return (u8)a[i] - (u8)b[i];
		if (!a[i]) return 0;
	}
	return 0;
}
