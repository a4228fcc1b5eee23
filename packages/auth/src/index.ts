export * from './claims';
export * from './config';
export * from './errors';
export * from './jwt';
export * from './middleware';
export * from './password';
export * from './login-guard';
export * from './login-guard.mongo';
