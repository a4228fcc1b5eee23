export * from './business-day';
export * from './categories';
export * from './order-code';
export * from './topics';
export * from './envelope';
export * from './define';
export * from './events';
export * from './registry';
