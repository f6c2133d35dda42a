struct Tracer { const char *name; Tracer(const char *n); ~Tracer(); };
const char *b1_name();
Tracer &lazy();
