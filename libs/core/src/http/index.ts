export * from './principal';
export * from './client-info';
export * from './pagination';
export * from './uuid.pipe';
export * from './staff-gate';
