export * from './events';
export * from './buffer';
export * from './metrics';
