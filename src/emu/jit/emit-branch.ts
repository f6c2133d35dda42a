// Inline translations of the near transfers that end most blocks: jcc, jmp and call (relative, register,
// memory) and ret. Each sets c.rip; a non-canonical target raises #GP(0) before anything changes.
import { Mnemonic } from '../../asm/iced.ts';
import { K_IMM, K_MEM, K_REG, type Insn } from '../insn.ts';
import { COND_READS, condExpr, Gen, lit } from './gen.ts';
import { setRsp, type Inline } from './emit-int.ts';
import { isConditional } from './flow.ts';

const TWO32 = 4294967296;

/** Emit the target of an indirect jmp/call (a 64-bit register or memory operand) into a checked variable. */
function indirectTarget(g: Gen, d: Insn): string {
  const t = g.v('tg');
  if (d.k0 === K_REG) g.line(`const ${t} = ${g.regNum(d.r0)};`);
  else {
    const [lo, hi] = g.load(8, g.ea(d));
    g.line(`const ${t} = (${hi} | 0) * 4294967296 + ${lo};`);
  }
  g.line(`if (${t} < -140737488355328 || ${t} >= 140737488355328) ${g.exitBefore()}`);
  return t;
}

function indirect(d: Insn): boolean {
  return d.s0 === 8 && ((d.k0 === K_REG && d.r0 < 16) || (d.k0 === K_MEM && Gen.addressable(d)));
}

function pushReturn(g: Gen, d: Insn): void {
  const h = Math.floor(d.next / TWO32);
  const a = g.regAddr(4, -8);
  g.store(8, a, String(d.next - h * TWO32), String(h >>> 0));
  setRsp(g, a);
}

/** The inline form of a near branch, or null. */
export function planBranch(d: Insn): Inline | null {
  const mn = d.mn;
  if (isConditional(d)) {
    return {
      reads: COND_READS[d.cc],
      writes: 0,
      emit(g, d) {
        g.line(`c.rip = ${condExpr(d.cc)} ? ${lit(d.target)} : ${lit(d.next)};`);
      },
    };
  }
  if (mn === Mnemonic.Jmp && d.n === 1 && (d.k0 === K_IMM || indirect(d))) {
    return {
      reads: 0,
      writes: 0,
      emit(g, d) {
        g.line(`c.rip = ${d.k0 === K_IMM ? lit(d.target) : indirectTarget(g, d)};`);
      },
    };
  }
  if (mn === Mnemonic.Call && d.n === 1 && d.osize === 8 && (d.k0 === K_IMM || indirect(d))) {
    return {
      reads: 0,
      writes: 0,
      emit(g, d) {
        const t = d.k0 === K_IMM ? lit(d.target) : indirectTarget(g, d);
        pushReturn(g, d);
        g.line(`c.rip = ${t};`);
      },
    };
  }
  if (mn === Mnemonic.Ret && d.n === 0 && d.osize === 8) {
    return {
      reads: 0,
      writes: 0,
      emit(g) {
        const [lo, hi] = g.load(8, g.regAddr(4, 0));
        const t = g.v('tg');
        g.line(`const ${t} = (${hi} | 0) * 4294967296 + ${lo};`);
        g.line(`if (${t} < -140737488355328 || ${t} >= 140737488355328) ${g.exitBefore()}`);
        setRsp(g, g.regAddr(4, 8));
        g.line(`c.rip = ${t};`);
      },
    };
  }
  return null;
}
