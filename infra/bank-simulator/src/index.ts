export {
  DEFAULT_OPERATING_ACCOUNT,
  DEFAULT_PARTNER_BIN,
  DEFAULT_PORT,
  startBankSimulator,
  type BankSimulatorOptions,
  type RunningBankSimulator,
} from './simulator';
export { SimulatorState, type IncomingTransferInput } from './state';
export { BANK_OPERATIONS, faultRuleSchema, type BankOperation, type FaultRule, type FaultView } from './faults/faults';
export { ACCOUNT_SHAPE, type RegisteredAccount, type AccountStatus } from './bank/accounts';
export { holderNameFor, toAsciiUpper } from './bank/names';
export { NAPAS_MAX_AMOUNT, type PayoutRecord } from './bank/payouts';
export type { Transfer, Party } from './bank/ledger';
export type { RequestLogEntry } from './http/request-log';
export type { SimulatorArea } from './routes/area';
export { businessDayOf, BANK_TIME_ZONE } from './support/time';
export type { BankErrorCode } from './support/errors';
export { signBankSim, signSepay, signCasso, sortKeysDeep, cassoSignedContent, hmacHex } from './webhooks/signing';
export {
  WEBHOOK_PROVIDERS,
  notificationBody,
  type WebhookProvider,
  type BankSimNotification,
  type SepayNotification,
  type CassoNotification,
  type Notification,
} from './webhooks/formats';
export {
  DEFAULT_RETRY_POLICY,
  retryDelayMs,
  type RetryPolicy,
  type NotifyOptions,
  type WebhookDelivery,
  type DeliveryAttempt,
  type DeliveryStatus,
  type DeliveryFilter,
  type WebhookEndpointInput,
  type WebhookEndpointView,
} from './webhooks/dispatcher';
export {
  DEFAULT_SHOPPER_BALANCE,
  type ShopperAccount,
  type ShopperAccountInput,
  type ShopperRef,
  type ShopperTransaction,
} from './shopper/shoppers';
export { bankDescription, cleanContent, MAX_CONTENT, MAX_DESCRIPTION } from './shopper/description';
export { readQr, payQr, amountToPay, type PayInput, type QrTarget } from './shopper/pay';
export { vnDateTime } from './support/time';
