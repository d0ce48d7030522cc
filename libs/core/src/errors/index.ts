export * from './domain.exception';
export * from './problem.filter';
export * from './validation';
export * from './input-safety';
