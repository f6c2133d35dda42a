int overridden(void) { return 100; }
int weak_var = 20;
extern void missing_fn(void) __attribute__((weak));
int kept(void);
int other_uses_weak(void) { return (missing_fn ? 1000 : 0) + kept() * 10; }
