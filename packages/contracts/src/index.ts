export * from './business-day';
export * from './categories';
export * from './order-code';
export * from './topics';
export * from './envelope';
export * from './define';
export * from './events';
export * from './registry';
export * from './http/route';
export * from './http/page';
export * from './http/qr-generation';
export * from './http/qr-generation.endpoints';
// settlement and payment-ledger (routes as data)
export * from './http/settlement';
export * from './http/settlement.endpoints';
export * from './http/payment-ledger';
export * from './http/payment-ledger.endpoints';
// merchant-onboarding's and market-insights' route specs (a block of their own, to merge beside other services').
export * from './http/merchant-onboarding';
export * from './http/merchant-onboarding.endpoints';
export * from './http/market-insights';
export * from './http/market-insights.endpoints';
