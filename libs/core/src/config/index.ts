export * from './app-config';
export * from './config.module';
export * from './abuse-limits';
export * from './identity-providers';
