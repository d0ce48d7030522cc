export * from './password-hasher';
export * from './secret-box';
export * from './semaphore';
export * from './tokens';
