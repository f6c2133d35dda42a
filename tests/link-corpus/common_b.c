int counter;
char buffer[16];
int initialized = 5;
double dcommon;
void b_touch(void) { counter = 40; dcommon = 1.5; initialized++; buffer[15] = 0; }
