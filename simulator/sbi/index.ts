export * from './constants';
export { sbiCall, hartMask, type SbiCall, type SbiEnv, type SbiReturn, type RfenceKind, type RfenceRequest } from './sbi';
