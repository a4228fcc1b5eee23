export * from './config';
export * from './errors';
export * from './health';
export * from './http';
export * from './logger';
export * from './metrics';
export * from './openapi';
export * from './service';
