export * from './constants.ts';
export * from './errors.ts';
export * from './types.ts';
export * from './reader.ts';
export * from './archive.ts';
export * from './input.ts';
export * from './strtab.ts';
export * from './writer.ts';
