__thread int tv_init = 1000;
__thread long tv_zero;
__thread char tv_name[16] = "tls-name";
__thread double tv_aligned __attribute__((aligned(64))) = 2.5;
int tls_vars_bump(void) { return ++tv_init; }
