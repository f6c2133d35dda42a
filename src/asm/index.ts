/**
 * The x86-64 decoder layer (decode.ts, on iced-x86) and the GNU objdump-compatible text formatter
 * (format.ts), with the address and Code helpers they share.
 */
export { MAX_NUMERIC_ADDRESS, toBigAddress, toNumericAddress } from './address.ts';
export { codeName, gnuMnemonic, nearBranchCode, relSize, shortBranchCode, type Flow, type RelSize } from './codes.ts';
export {
  decodeSection, forEachInstruction, instructionBytes, instructions, SectionDecoder,
  type DecodedInstruction, type DecodeOptions, type Field,
} from './decode.ts';
export { formatInstruction, formatSection, layout, symbolicAddress, type FormattedInstruction, type Symbolizer, type Syntax } from './format.ts';
