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
