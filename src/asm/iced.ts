// iced-x86, loaded with require(). Importing the CommonJS package through ESM makes Node scan its
// ~900 KB of JavaScript for export names (cjs-module-lexer): about 90 ms of every start of a command
// that decodes. Values and types are re-exported under the package's own names.
import { createRequire } from 'node:module';
import type * as Iced from 'iced-x86';

const iced = createRequire(import.meta.url)('iced-x86') as typeof Iced;

export const Code = iced.Code;
export type Code = Iced.Code;
export const Decoder = iced.Decoder;
export type Decoder = Iced.Decoder;
export const DecoderError = iced.DecoderError;
export type DecoderError = Iced.DecoderError;
export const DecoderOptions = iced.DecoderOptions;
export type DecoderOptions = Iced.DecoderOptions;
export const Instruction = iced.Instruction;
export type Instruction = Iced.Instruction;
export const Register = iced.Register;
export type Register = Iced.Register;
export const FlowControl = iced.FlowControl;
export type FlowControl = Iced.FlowControl;
export const Mnemonic = iced.Mnemonic;
export type Mnemonic = Iced.Mnemonic;
export const MandatoryPrefix = iced.MandatoryPrefix;
export type MandatoryPrefix = Iced.MandatoryPrefix;
export const OpCodeOperandKind = iced.OpCodeOperandKind;
export type OpCodeOperandKind = Iced.OpCodeOperandKind;
export const OpKind = iced.OpKind;
export type OpKind = Iced.OpKind;
export const FormatMnemonicOptions = iced.FormatMnemonicOptions;
export type FormatMnemonicOptions = Iced.FormatMnemonicOptions;
export const Formatter = iced.Formatter;
export type Formatter = Iced.Formatter;
export const FormatterSyntax = iced.FormatterSyntax;
export type FormatterSyntax = Iced.FormatterSyntax;
export const MemorySizeOptions = iced.MemorySizeOptions;
export type MemorySizeOptions = Iced.MemorySizeOptions;
export const InstructionInfoFactory = iced.InstructionInfoFactory;
export type InstructionInfoFactory = Iced.InstructionInfoFactory;
export const OpAccess = iced.OpAccess;
export type OpAccess = Iced.OpAccess;
