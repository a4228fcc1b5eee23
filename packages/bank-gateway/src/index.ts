export * from './errors';
export { createBankGateway, type BankGateway } from './gateway';
export {
  BREAKER_STATE_VALUE,
  METRIC_NAMES,
  createGatewayMetrics,
  type BreakerState,
  type GatewayMetrics,
} from './metrics';
export { BANK_OPERATIONS, type BankOperation } from './operations';
export type { BankGatewayOptions, BreakerOptions, OperationOptions, RetryOptions } from './options';
export { RETRY_ON } from './policy';
export { fullJitterDelay } from './retry';
export type {
  BankTransaction,
  NameInquiryInput,
  NameInquiryResult,
  PayoutInput,
  PayoutResult,
  PayoutStatusInput,
  RegisterVirtualAccountInput,
  StatementEntry,
  StatementInput,
  StatementPage,
  VirtualAccount,
} from './schemas';
export type { FailureKind } from './transport';
export { bankGatewayConfigShape, bankGatewayResource, bankRetryConfigShape } from './service-wiring';
