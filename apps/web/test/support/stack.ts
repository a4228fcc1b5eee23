/** The whole system for the browser tests: moved to tests/support/system-stack.ts (shared with the fault suite). */
export { json, startStack, waitReady, type Stack, type StackOptions } from '../../../../tests/support/system-stack';
