struct entry { const char *name; int (*fn)(int); int prio; };
static int add100(int x) { return x + 100; }
static int dbl(int x) { return 2 * x; }
__attribute__((used, section("ukl_registry"), aligned(8))) static const struct entry e1 = { "add100", add100, 3 };
__attribute__((used, section("ukl_registry"), aligned(8))) static const struct entry e2 = { "double", dbl, 4 };
