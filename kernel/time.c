/* Time: a monotonic clock from the TSC, calibrated against PIT channel 2 (ports 0x42, 0x43, 0x61),
 * and the wall clock read once from the CMOS RTC (ports 0x70, 0x71). Also the entropy source. */
#include "ukl.h"

static u64 tsc0, tsc_khz, wall0_ns;

static u8 cmos(u8 reg) { ukl_outb(0x70, reg); return ukl_inb(0x71); }

static u64 days_from_civil(i64 y, unsigned m, unsigned d) {
	y -= m <= 2;
	i64 era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (u64)(era * 146097 + (i64)doe - 719468);
}

static u64 read_cmos_epoch(void) {
	while (cmos(0x0a) & 0x80) ukl_pause();
	u8 sec = cmos(0), min = cmos(2), hour = cmos(4), day = cmos(7), mon = cmos(8), year = cmos(9), cent = cmos(0x32);
	u8 regb = cmos(0x0b);
	int pm = hour & 0x80;
	hour &= 0x7f;
	if (!(regb & 0x04)) {
#define BCD(x) (((x) & 0xf) + ((x) >> 4) * 10)
		sec = BCD(sec); min = BCD(min); hour = BCD(hour); day = BCD(day); mon = BCD(mon); year = BCD(year); cent = BCD(cent);
	}
	if (!(regb & 0x02) && pm) hour = (hour % 12) + 12;
	unsigned full = (cent >= 19 && cent <= 30 ? cent : 20) * 100 + year;
	return days_from_civil(full, mon, day) * 86400 + hour * 3600 + min * 60 + sec;
}

void ukl_time_init(void) {
	/* PIT channel 2, mode 0, 10 ms (11932 ticks of 1.193182 MHz); the gate is bit 0 of port 0x61 and
	 * the channel's output shows in bit 5. */
	u8 p61 = ukl_inb(0x61);
	ukl_outb(0x61, (p61 & ~0x02) | 0x01);
	ukl_outb(0x43, 0xb0);
	ukl_outb(0x42, 11932 & 0xff);
	ukl_outb(0x42, 11932 >> 8);
	u64 t0 = ukl_rdtsc();
	u64 spins = 0;
	while (!(ukl_inb(0x61) & 0x20) && spins < 100000000) spins++;
	u64 t1 = ukl_rdtsc();
	ukl_outb(0x61, p61);
	tsc_khz = (t1 - t0) / 10;
	if (tsc_khz == 0) tsc_khz = 1000000;
	tsc0 = t1;
	wall0_ns = read_cmos_epoch() * 1000000000UL;
}

u64 ukl_now_ns(void) {
	u64 d = ukl_rdtsc() - tsc0;
	/* d * 1e6 / khz without overflow for years of uptime. */
	return (d / tsc_khz) * 1000000UL + ((d % tsc_khz) * 1000000UL) / tsc_khz;
}

u64 ukl_wall_base_ns(void) { return wall0_ns; }

void ukl_delay_until_ns(u64 t) { while (ukl_now_ns() < t) ukl_pause(); }

/* ---- entropy: RDRAND when the CPU has it, otherwise TSC jitter through a mixer. */
static u64 mix_state;

static u64 splitmix(void) {
	u64 z = (mix_state += 0x9e3779b97f4a7c15UL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9UL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebUL;
	return z ^ (z >> 31);
}

static int rdrand64(u64 *v) {
	static int checked, has;
	if (!checked) {
		u32 a, b, c, d;
		ukl_cpuid(1, 0, &a, &b, &c, &d);
		has = (c >> 30) & 1;
		checked = 1;
	}
	if (!has) return 0;
	for (int i = 0; i < 10; i++) {
		u8 ok;
		__asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok));
		if (ok) return 1;
	}
	return 0;
}

void ukl_random_fill(void *buf, size_t n) {
	u8 *p = buf;
	while (n) {
		u64 v;
		if (!rdrand64(&v)) {
			mix_state ^= ukl_rdtsc() * 0x2545f4914f6cdd1dUL;
			v = splitmix();
		}
		for (int i = 0; i < 8 && n; i++, n--) { *p++ = (u8)v; v >>= 8; }
	}
}
