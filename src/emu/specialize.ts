// Fresh copies of a handler factory, so that V8 keeps separate type feedback and optimized code per
// instruction (closures made from one function literal share both, and a handler shared by shl/shr/rol
// is optimized for all of them at once). The factory's free variables are passed in by name.

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export function freshCopy<F extends (...args: never[]) => unknown>(factory: F, deps: Record<string, unknown>): F {
  const names = Object.keys(deps);
  return new Function(...names, `return (${factory.toString()});`)(...names.map((n) => deps[n])) as F;
}
