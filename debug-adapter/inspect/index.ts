/**
 * The debug adapter's inspection layer (issue 6, "State"): pure reads of machine state for
 * variables, evaluate, the debug console, memory, disassembly and the HyperLab views. No DAP here:
 * the session (debug-adapter/) translates these results into protocol messages.
 */
export { InspectError, type InspectTarget, type ThreadContext } from './target';
export { resolveThread, type ThreadState } from './thread';
export { registerGroups, setRegister, type RegisterGroup, type RegisterGroupName, type RegisterEntry } from './registers';
export { evaluate, type Evaluation, type EvaluateOptions } from './evaluate';
export { readMemory, writeMemory, type AddressSpace, type MemoryRead } from './memory';
export { walk, type WalkResult, type TranslationRegs } from './walk';
export { translate, parseHex } from './translate';
export { disassemble, type DisassembledLine } from './disasm';
export { consoleCommand, HELP } from './commands';
export { machineSummary, tlbEntries, pageTable, callbacks, interrupts, trace, traceRecord } from './views';
