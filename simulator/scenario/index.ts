export { parseScenario, type LoadedScenario } from './loader';
export { evaluateExpectations, compare, type ExpectationResult } from './expect';
export { scenarioSchema, scenarioSchemaText, SCHEMA_ID } from './schema';
export { parseSize, formatSize, type JsonValue, type Scalar } from './rules';
export * from './types';
