// The handler table: mnemonic → function. Each instruction family registers its handlers here (lazily, on the
// first decode, so that the family modules can import the CPU without an initialization cycle).
import { Mnemonic } from '../asm/iced.ts';
import type { Handler, Insn } from './insn.ts';
import type { Cpu } from './cpu.ts';
import { Stop } from './types.ts';
import { registerAlu } from './alu.ts';
import { registerShift } from './shift.ts';
import { registerMulDiv } from './muldiv.ts';
import { registerBit } from './bit.ts';
import { registerControl } from './control.ts';
import { registerString } from './string.ts';
import { registerSystem } from './system.ts';
import { registerSse } from './sse.ts';
import { registerX87 } from './x87.ts';
import { describeInsnAt } from './diagnose.ts';

/** Register `h` for the named iced mnemonics ('Add', 'Jne', ...). */
export type Define = (names: string | string[], h: Handler) => void;

let table: Handler[] | undefined;

function build(): Handler[] {
  const t: Handler[] = [];
  const names = Mnemonic as unknown as Record<string, number>;
  const def: Define = (ns, h) => {
    for (const n of Array.isArray(ns) ? ns : [ns]) {
      const v = names[n];
      if (typeof v !== 'number') throw new Error(`emu: unknown mnemonic ${n}`);
      t[v] = h;
    }
  };
  registerAlu(def);
  registerShift(def);
  registerMulDiv(def);
  registerBit(def);
  registerControl(def);
  registerString(def);
  registerSystem(def);
  registerSse(def);
  registerX87(def);
  return t;
}

export function handlerFor(mnemonic: number, _code: number): Handler {
  table ??= build();
  return table[mnemonic] ?? unimplemented;
}

/** Whether a mnemonic has a handler (for coverage reports). */
export function isImplemented(mnemonic: number): boolean {
  table ??= build();
  return table[mnemonic] !== undefined;
}

const unimplemented: Handler = (c: Cpu, d: Insn) => {
  const bytes = c.code.bytesAt(d.ip, d.len);
  throw new Stop({ kind: 'unimplemented', rip: c.bits === 64 ? BigInt.asUintN(64, BigInt(d.ip)) : BigInt(d.ip >>> 0), bytes, text: describeInsnAt(c, d.ip) });
};
