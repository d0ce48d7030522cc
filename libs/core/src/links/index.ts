export * from './link-kinds';
export * from './links';
