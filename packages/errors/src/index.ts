export { IzaError, isIzaError, wrapError, findIzaError, formatErrorChain } from './iza-error.js';
export type { IzaErrorOptions } from './iza-error.js';
